#pragma once
// Protocol regression baselines. A wire run's trace is normalised so that what legitimately changes from
// run to run disappears (absolute and exact times, transaction IDs, polled values that follow the physics)
// while what the protocol does stays (which registers are read and written, with which values, which
// exceptions, connects and closes). The normalised text is committed under reports/baselines/ and each
// wire run is compared with it.

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "drivers/core/clock.hpp"
#include "harness/traces/protocol_trace.hpp"

namespace evhil::harness {

// The normalised form: one block per connection (consecutive identical blocks collapsed, so the number of
// retries during a fault does not matter), and in each block the de-duplicated lines of each time bucket,
// counted from that connection's connect, because the driver's timers restart when it connects.
struct NormaliseSettings {
    Duration bucket = std::chrono::seconds(10);  // times since the connect are rounded down to this
};

std::vector<std::string> normalise_trace(const ProtocolTrace& trace, const NormaliseSettings& settings = {});

struct DiffRow {
    enum class Kind { same, removed, added };
    Kind kind = Kind::same;
    std::string baseline;  // empty for added
    std::string current;   // empty for removed
    // A removed or added line whose same text sits one bucket away on the other side, in the same connection:
    // a timer firing on a bucket edge (a 25 s refresh at 50 s, a 60 s re-read) lands a millisecond either side
    // of it depending on when the tap saw the connect. Shown in the report, not counted as a difference.
    bool shifted = false;
};
std::vector<DiffRow> diff_lines(const std::vector<std::string>& baseline, const std::vector<std::string>& current);
// Differences that are not shifted lines (tolerate_bucket_jitter).
bool has_differences(const std::vector<DiffRow>& rows);
// Marks removed and added lines of two normalised traces that only moved to the neighbouring bucket. Lines that
// moved further, or changed in any other way, stay differences.
void tolerate_bucket_jitter(std::vector<DiffRow>& rows);

// reports/baselines/<scenario>.<device>.baseline
std::filesystem::path baseline_path(const std::filesystem::path& directory, const std::string& scenario,
                                    const std::string& device);
// nullopt when the file does not exist; throws std::runtime_error when it cannot be read.
std::optional<std::vector<std::string>> read_baseline(const std::filesystem::path& path);
// Writes atomically (drivers/core/atomic_file.hpp) so an interrupted update never leaves a torn baseline.
void write_baseline(const std::filesystem::path& path, const std::vector<std::string>& lines);

}  // namespace evhil::harness

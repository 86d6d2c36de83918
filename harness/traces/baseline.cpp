// Protocol regression baselines: normalising a trace (line_diff.cpp diffs two normalised texts; baseline_files.cpp
// reads and writes them).
//
// Normalising is built for the wire and bench targets, where the clock is the wall clock: the same scenario
// polls 10 or 11 times in a bucket, a reply lands a few milliseconds after a bucket boundary, the tap hands out
// new transaction IDs and connection numbers, and polled values follow the physics. None of that is protocol
// behaviour, so it is masked; which registers are read, which values are written, which exceptions come back
// and when connections open and close is behaviour, so it stays.

#include "harness/traces/baseline.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <map>
#include <regex>
#include <span>
#include <stdexcept>
#include <string_view>
#include <system_error>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <variant>

namespace evhil::harness {
namespace {

namespace fs = std::filesystem;
using Kind = FrameEvent::Kind;

// ---------------------------------------------------------------------------------------------------------------
// Describing one event (frames by the trace's codec)

void replace_all(std::string& text, std::string_view from, std::string_view to) {
    if (from.empty()) {
        return;
    }
    for (auto pos = text.find(from); pos != std::string::npos; pos = text.find(from, pos + to.size())) {
        text.replace(pos, from.size(), to);
    }
}

// Endpoints change on every run (ephemeral client ports, the simulator's listen port), so they are masked.
// Other numbers in a note, such as a retry count, are behaviour and stay.
std::string clean_note(const FrameEvent& event) {
    std::string note = event.note;
    replace_all(note, event.client_endpoint, "<client>");
    replace_all(note, event.device_endpoint, "<device>");
    static const std::regex endpoint(
        R"(\[[0-9A-Fa-f:.]+\](:[0-9]+)?|\b[0-9]{1,3}(\.[0-9]{1,3}){3}(:[0-9]+)?\b|\b[A-Za-z][A-Za-z0-9.-]*:[0-9]+\b)");
    static const std::regex port(R"(\bport [0-9]+\b)");
    note = std::regex_replace(note, endpoint, "<endpoint>");
    note = std::regex_replace(note, port, "port <port>");
    // A baseline is one event per line; a stray line break in a note must not split it.
    std::replace_if(
        note.begin(), note.end(), [](char c) { return c == '\n' || c == '\r' || c == '\t'; }, ' ');
    return note;
}

// ---------------------------------------------------------------------------------------------------------------
// Placing events in buckets

// Order of kinds within one bucket. It is canonical rather than the order on the wire because, on a real-time
// target, the order inside a bucket is exactly what varies between runs.
enum class Rank { connect, request, response, unframed, close };

struct Entry {
    std::uint32_t connection = 0;  // connections follow one another: the driver holds one at a time
    std::int64_t bucket = 0;
    Rank rank = Rank::connect;
    std::string text;
    bool operator==(const Entry&) const = default;
    // Spelled out rather than a defaulted <=>, which clang-tidy 14 misreads as a comparison with literal 0.
    bool operator<(const Entry& other) const {
        return std::tie(connection, bucket, rank, text) <
               std::tie(other.connection, other.bucket, other.rank, other.text);
    }
};

// Requests waiting for their response, so a response lands in its request's bucket even when the reply crossed
// a bucket boundary. A stack per (connection, transaction ID): the most recent unanswered request wins.
class PendingRequests {
public:
    void add(std::uint32_t connection, std::uint32_t key, std::int64_t bucket) {
        waiting_[{connection, key}].push_back(bucket);
    }

    std::optional<std::int64_t> take(std::uint32_t connection, std::uint32_t key) {
        auto found = waiting_.find({connection, key});
        if (found == waiting_.end() || found->second.empty()) {
            return std::nullopt;
        }
        const std::int64_t bucket = found->second.back();
        found->second.pop_back();
        return bucket;
    }

    // A closed connection answers nothing more; forgetting it keeps long traces small.
    void forget(std::uint32_t connection) {
        waiting_.erase(waiting_.lower_bound({connection, 0}), waiting_.upper_bound({connection, UINT32_MAX}));
    }

private:
    std::map<std::pair<std::uint32_t, std::uint32_t>, std::vector<std::int64_t>> waiting_;
};

// Times are measured from the start of each connection, not of the run: every timer of a driver (polls,
// keep-alive writes, station-info reads) restarts when it connects, so relative to the connect they are the
// same from run to run, while the connect itself moves with back-off jitter and socket latency.
class Normaliser {
public:
    Normaliser(const FrameCodec& codec, TimePoint start, Duration bucket)
        : codec_(codec), start_(start), bucket_(bucket) {}

    // nullopt for a frame the codec leaves out of baselines (keep-alive timing, frame_codec.hpp).
    std::optional<Entry> place(const FrameEvent& event) {
        if (event.kind == Kind::opened) {
            opened_at_[event.connection] = event.time;
        }
        std::optional<Entry> entry = describe(event, bucket_of(event));
        if (entry) {
            entry->connection = event.connection;
        }
        return entry;
    }

private:
    std::optional<Entry> describe(const FrameEvent& event, std::int64_t own_bucket) {
        switch (event.kind) {
            case Kind::opened:
                return Entry{0, own_bucket, Rank::connect, "+ connect"};
            case Kind::closed: {
                pending_.forget(event.connection);
                const std::string note = clean_note(event);
                return Entry{0, own_bucket, Rank::close, note.empty() ? "- close" : "- close " + note};
            }
            case Kind::unframed:
                return Entry{0, own_bucket, Rank::unframed,
                             event.from_client ? "! unframed from driver" : "! unframed from device"};
            case Kind::to_device:
                return place_request(event, own_bucket);
            case Kind::from_device:
                return place_response(event, own_bucket);
        }
        return Entry{0, own_bucket, Rank::unframed, "! unknown event"};
    }

    // From the connect of the event's connection; a connection the tap never saw open (refused) and events
    // stamped before the start (a connect racing the start of the run) fall in the first bucket.
    std::int64_t bucket_of(const FrameEvent& event) const {
        auto opened = opened_at_.find(event.connection);
        TimePoint origin = opened == opened_at_.end() ? event.time : std::max(opened->second, start_);
        return std::max(Duration::zero(), event.time - origin) / bucket_;
    }

    // A frame the codec cannot pair (too short to be one) is described but waits for nothing.
    std::optional<Entry> place_request(const FrameEvent& event, std::int64_t bucket) {
        std::string line = codec_.baseline_line(event.bytes, true);
        if (line.empty()) {
            return std::nullopt;
        }
        if (auto key = codec_.pairing_key(event.bytes, true)) {
            pending_.add(event.connection, *key, bucket);
        }
        return Entry{0, bucket, Rank::request, "> " + line};
    }

    std::optional<Entry> place_response(const FrameEvent& event, std::int64_t own_bucket) {
        std::string line = codec_.baseline_line(event.bytes, false);
        if (line.empty()) {
            return std::nullopt;
        }
        auto key = codec_.pairing_key(event.bytes, false);
        const std::int64_t bucket = key ? pending_.take(event.connection, *key).value_or(own_bucket) : own_bucket;
        return Entry{0, bucket, Rank::response, "< " + line};
    }

    const FrameCodec& codec_;
    TimePoint start_;
    Duration bucket_;
    PendingRequests pending_;
    std::map<std::uint32_t, TimePoint> opened_at_;
};

// One connection's normalised lines.
using Block = std::vector<std::string>;

// Consecutive connections that look the same (a driver retrying through a fault: connect, one request, an
// exception, close) become one block: how many retries fit into a fault is back-off timing, not protocol.
std::vector<Block> collapse_repeats(std::vector<Block> blocks) {
    blocks.erase(std::unique(blocks.begin(), blocks.end()), blocks.end());
    return blocks;
}

// Exact, in the largest unit that divides the span, so a sub-second bucket still prints truthfully.
std::string format_span(Duration span) {
    constexpr std::array<std::pair<std::int64_t, const char*>, 3> units{
        {{1'000'000'000, "s"}, {1'000'000, "ms"}, {1'000, "us"}}};
    const std::int64_t nanoseconds = span.count();
    for (const auto& [size, suffix] : units) {
        if (nanoseconds % size == 0) {
            return fmt::format("{}{}", nanoseconds / size, suffix);
        }
    }
    return fmt::format("{}ns", nanoseconds);
}

}  // namespace

std::vector<std::string> normalise_trace(const ProtocolTrace& trace, const NormaliseSettings& settings) {
    if (settings.bucket <= Duration::zero()) {
        throw std::invalid_argument("normalise_trace: the bucket must be longer than zero");
    }
    if (!trace.codec) {
        throw std::invalid_argument("normalise_trace: the trace of " + trace.device + " has no codec");
    }
    Normaliser normaliser(*trace.codec, trace.start, settings.bucket);
    std::vector<Entry> entries;
    entries.reserve(trace.events.size());
    // The harness ending the run ("tap stopped") is not protocol: its close goes in the bucket of the connection's
    // last frame, so that whether the run's end fell a millisecond before or after a bucket edge (the connect's
    // offset from the start moves it) does not change the baseline.
    std::map<std::uint32_t, std::int64_t> last_bucket;
    for (const auto& event : trace.events) {
        std::optional<Entry> placed = normaliser.place(event);
        if (!placed) {
            continue;
        }
        Entry& entry = *placed;
        if (event.kind == Kind::closed && entry.text == "- close tap stopped") {
            auto last = last_bucket.find(event.connection);
            entry.bucket = last == last_bucket.end() ? entry.bucket : std::min(entry.bucket, last->second);
        } else {
            last_bucket[event.connection] = entry.bucket;
        }
        entries.push_back(std::move(entry));
    }
    std::sort(entries.begin(), entries.end());
    entries.erase(std::unique(entries.begin(), entries.end()), entries.end());

    std::vector<Block> blocks;
    for (std::size_t i = 0; i < entries.size(); ++i) {
        if (i == 0 || entries[i].connection != entries[i - 1].connection) {
            blocks.emplace_back();
        }
        blocks.back().push_back(
            fmt::format("  c+{} {}", format_span(entries[i].bucket * settings.bucket), entries[i].text));
    }
    std::vector<std::string> lines;
    lines.reserve(entries.size() + blocks.size() + 1);
    lines.push_back(fmt::format("# scenario {} device {} bucket {} from each connect", trace.scenario, trace.device,
                                format_span(settings.bucket)));
    for (const auto& block : collapse_repeats(std::move(blocks))) {
        lines.emplace_back("connection");
        lines.insert(lines.end(), block.begin(), block.end());
    }
    return lines;
}

}  // namespace evhil::harness

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

#include "drivers/transport/modbus/pdu.hpp"

namespace evhil::harness {
namespace {

namespace fs = std::filesystem;
using modbus::TapEvent;

// ---------------------------------------------------------------------------------------------------------------
// Describing one event

constexpr std::size_t mbap_header_size = 7;  // transaction ID, protocol ID, length, unit ID

struct Adu {
    std::uint16_t transaction = 0;
    std::uint16_t protocol = 0;
    std::uint8_t unit = 0;
    std::span<const std::uint8_t> pdu;
};

std::uint16_t get_u16(std::span<const std::uint8_t> bytes, std::size_t offset) {
    return static_cast<std::uint16_t>((bytes[offset] << 8) | bytes[offset + 1]);
}

// The MBAP length field is not checked: the tap only emits frames whose length it has already matched.
std::optional<Adu> parse_adu(std::span<const std::uint8_t> bytes) {
    if (bytes.size() <= mbap_header_size) {
        return std::nullopt;
    }
    return Adu{get_u16(bytes, 0), get_u16(bytes, 2), bytes[6], bytes.subspan(mbap_header_size)};
}

std::string hex_bytes(std::span<const std::uint8_t> bytes) {
    std::string out;
    for (auto byte : bytes) {
        out += fmt::format("{}{:02x}", out.empty() ? "" : " ", byte);
    }
    return out;
}

bool is_known_function(std::uint8_t code) {
    return code == modbus::function::read_holding_registers || code == modbus::function::read_input_registers ||
           code == modbus::function::write_single_register || code == modbus::function::write_multiple_registers;
}

// A request keeps every byte that matters. describe_pdu says all of it for well-formed known requests; for the
// rest it would only give a length, so those keep their raw bytes instead.
std::string describe_request(std::span<const std::uint8_t> pdu) {
    const auto decoded = modbus::decode_request(pdu);
    const bool malformed = std::holds_alternative<modbus::ExceptionCode>(decoded);
    if (!malformed && is_known_function(pdu[0])) {
        return modbus::describe_pdu(pdu, true);
    }
    return fmt::format("FC{} {} [{}]", pdu[0], malformed ? "malformed" : "data", hex_bytes(pdu.subspan(1)));
}

// A response drops register values, which follow the physics and the wall clock, and keeps its shape.
std::string describe_response(std::span<const std::uint8_t> pdu) {
    const std::uint8_t code = pdu[0];
    if ((code & modbus::function::exception_flag) != 0) {
        return pdu.size() == 2 ? modbus::describe_pdu(pdu, false)
                               : fmt::format("FC{} malformed exception", code & ~modbus::function::exception_flag);
    }
    switch (code) {
        case modbus::function::read_holding_registers:
        case modbus::function::read_input_registers:
            if (pdu.size() >= 2 && pdu.size() == 2U + pdu[1] && pdu[1] % 2 == 0) {
                return fmt::format("FC{} reply x{}", code, pdu[1] / 2);
            }
            return fmt::format("FC{} malformed reply", code);
        case modbus::function::write_single_register:
        case modbus::function::write_multiple_registers:
            // Write acks echo address, count or the written value, all fixed by the request.
            return pdu.size() == 5 ? modbus::describe_pdu(pdu, false) : fmt::format("FC{} malformed ack", code);
        default:
            return fmt::format("FC{} reply", code);
    }
}

std::string describe_frame(const Adu& adu, bool request) {
    // A non-zero protocol ID is not Modbus and must show; zero is the norm and would only be noise.
    const std::string protocol = adu.protocol == 0 ? "" : fmt::format(" protocol {}", adu.protocol);
    return fmt::format("{} unit {}{} {}", request ? ">" : "<", adu.unit, protocol,
                       request ? describe_request(adu.pdu) : describe_response(adu.pdu));
}

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
std::string clean_note(const TapEvent& event) {
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
    void add(std::uint32_t connection, std::uint16_t transaction, std::int64_t bucket) {
        waiting_[{connection, transaction}].push_back(bucket);
    }

    std::optional<std::int64_t> take(std::uint32_t connection, std::uint16_t transaction) {
        auto found = waiting_.find({connection, transaction});
        if (found == waiting_.end() || found->second.empty()) {
            return std::nullopt;
        }
        const std::int64_t bucket = found->second.back();
        found->second.pop_back();
        return bucket;
    }

    // A closed connection answers nothing more; forgetting it keeps long traces small.
    void forget(std::uint32_t connection) {
        waiting_.erase(waiting_.lower_bound({connection, 0}), waiting_.upper_bound({connection, 0xFFFF}));
    }

private:
    std::map<std::pair<std::uint32_t, std::uint16_t>, std::vector<std::int64_t>> waiting_;
};

// Times are measured from the start of each connection, not of the run: every timer of a driver (polls,
// keep-alive writes, station-info reads) restarts when it connects, so relative to the connect they are the
// same from run to run, while the connect itself moves with back-off jitter and socket latency.
class Normaliser {
public:
    Normaliser(TimePoint start, Duration bucket) : start_(start), bucket_(bucket) {}

    Entry place(const TapEvent& event) {
        if (event.kind == TapEvent::Kind::opened) {
            opened_at_[event.connection] = event.time;
        }
        Entry entry = describe(event, bucket_of(event));
        entry.connection = event.connection;
        return entry;
    }

private:
    Entry describe(const TapEvent& event, std::int64_t own_bucket) {
        switch (event.kind) {
            case TapEvent::Kind::opened:
                return {0, own_bucket, Rank::connect, "+ connect"};
            case TapEvent::Kind::closed: {
                pending_.forget(event.connection);
                const std::string note = clean_note(event);
                return {0, own_bucket, Rank::close, note.empty() ? "- close" : "- close " + note};
            }
            case TapEvent::Kind::unframed:
                return {0, own_bucket, Rank::unframed,
                        event.from_client ? "! unframed from driver" : "! unframed from device"};
            case TapEvent::Kind::to_device:
                return place_request(event, own_bucket);
            case TapEvent::Kind::from_device:
                return place_response(event, own_bucket);
        }
        return {0, own_bucket, Rank::unframed, "! unknown event"};
    }

    // From the connect of the event's connection; a connection the tap never saw open (refused) and events
    // stamped before the start (a connect racing the start of the run) fall in the first bucket.
    std::int64_t bucket_of(const TapEvent& event) const {
        auto opened = opened_at_.find(event.connection);
        TimePoint origin = opened == opened_at_.end() ? event.time : std::max(opened->second, start_);
        return std::max(Duration::zero(), event.time - origin) / bucket_;
    }

    Entry place_request(const TapEvent& event, std::int64_t bucket) {
        const auto adu = parse_adu(event.bytes);
        if (!adu) {
            return {0, bucket, Rank::request, "> malformed ADU"};
        }
        pending_.add(event.connection, adu->transaction, bucket);
        return {0, bucket, Rank::request, describe_frame(*adu, true)};
    }

    Entry place_response(const TapEvent& event, std::int64_t own_bucket) {
        const auto adu = parse_adu(event.bytes);
        if (!adu) {
            return {0, own_bucket, Rank::response, "< malformed ADU"};
        }
        const std::int64_t bucket = pending_.take(event.connection, adu->transaction).value_or(own_bucket);
        return {0, bucket, Rank::response, describe_frame(*adu, false)};
    }

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
    Normaliser normaliser(trace.start, settings.bucket);
    std::vector<Entry> entries;
    entries.reserve(trace.events.size());
    for (const auto& event : trace.events) {
        entries.push_back(normaliser.place(event));
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

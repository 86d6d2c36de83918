#include "harness/traces/mqtt/mqtt_codec.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <string_view>
#include <vector>

#include "drivers/transport/mqtt/mqtt_packet.hpp"

namespace evhil::harness {
namespace {

using namespace mqtt::packet;

// What a payload shows in the text trace before it is cut.
constexpr std::size_t shown_payload = 160;

// Pairing families, so that a CONNACK never pairs with a SUBSCRIBE of the same number.
enum Family : std::uint32_t { connect_family = 1, ping_family, publish_family, subscribe_family, unsubscribe_family };

std::uint32_t key(Family family, std::uint16_t id = 0) {
    return (std::uint32_t{family} << 16) | id;
}
std::optional<std::uint32_t> keyed(Family family, std::optional<std::uint16_t> id) {
    return id ? std::optional(key(family, *id)) : std::nullopt;
}

// The exchanges a client starts and the broker answers (3.1.1, section 3), as data for pairing.
struct Exchange {
    Type request;
    Type answer;
    Family family;
    bool by_packet_id;
};
constexpr Exchange exchanges[] = {
    {Type::connect, Type::connack, connect_family, false},
    {Type::pingreq, Type::pingresp, ping_family, false},
    {Type::publish, Type::puback, publish_family, true},
    {Type::subscribe, Type::suback, subscribe_family, true},
    {Type::unsubscribe, Type::unsuback, unsubscribe_family, true},
};

// A length-prefixed UTF-8 string at `at`; advances `at`. nullopt when it runs past the frame.
std::optional<std::string> read_string(FrameBytes frame, std::size_t& at) {
    if (frame.size() < at + 2) {
        return std::nullopt;
    }
    const std::size_t length = read_u16(frame, at);
    if (frame.size() < at + 2 + length) {
        return std::nullopt;
    }
    std::string text(reinterpret_cast<const char*>(frame.data() + at + 2), length);
    at += 2 + length;
    return text;
}

struct Publish {
    int qos = 0;
    bool retain = false;
    bool dup = false;
    std::string topic;
    std::optional<std::uint16_t> id;
    std::string payload;
};

std::optional<Publish> read_publish(FrameBytes frame, const FixedHeader& header) {
    Publish publish;
    publish.qos = (header.flags >> 1) & 0x03;
    publish.retain = (header.flags & 0x01) != 0;
    publish.dup = (header.flags & 0x08) != 0;
    std::size_t at = header.header_size;
    auto topic = read_string(frame, at);
    if (!topic) {
        return std::nullopt;
    }
    publish.topic = *topic;
    if (publish.qos > 0) {
        if (frame.size() < at + 2) {
            return std::nullopt;
        }
        publish.id = read_u16(frame, at);
        at += 2;
    }
    publish.payload.assign(reinterpret_cast<const char*>(frame.data() + at), frame.size() - at);
    return publish;
}

std::optional<std::uint16_t> packet_id(FrameBytes frame, const FixedHeader& header) {
    if (frame.size() < header.header_size + 2) {
        return std::nullopt;
    }
    return read_u16(frame, header.header_size);
}

std::string_view connack_reason(int code) {
    static constexpr std::string_view reasons[] = {
        "accepted",           "unacceptable protocol version", "identifier rejected",
        "server unavailable", "bad user name or password",     "not authorized"};
    return code >= 0 && code < 6 ? reasons[code] : "unknown return code";
}

// SUBSCRIBE's filters with their QoS; UNSUBSCRIBE's without (qos -1).
std::vector<std::pair<std::string, int>> read_filters(FrameBytes frame, const FixedHeader& header, bool with_qos) {
    std::vector<std::pair<std::string, int>> filters;
    std::size_t at = header.header_size + 2;
    while (at < frame.size()) {
        auto filter = read_string(frame, at);
        if (!filter) {
            break;
        }
        int qos = -1;
        if (with_qos && at < frame.size()) {
            qos = frame[at++] & 0x03;
        }
        filters.emplace_back(*filter, qos);
    }
    return filters;
}

std::string granted(std::uint8_t code) {
    return code == 0x80 ? "failure" : fmt::format("q{}", code);
}

std::string describe_connect(FrameBytes frame, const FixedHeader& header, bool with_client_id) {
    auto layout = connect_layout(frame, header);
    if (!layout) {
        return "CONNECT (malformed)";
    }
    std::size_t at = layout->payload_at;
    auto client = read_string(frame, at);
    std::string text = "CONNECT";
    if (with_client_id && client) {
        text += fmt::format(" client={}", *client);
    }
    text += fmt::format(" clean={} keepalive={}s", layout->clean_session() ? 1 : 0, layout->keepalive_s);
    if (layout->will()) {
        auto topic = read_string(frame, at);
        (void)read_string(frame, at);
        text += fmt::format(" will={} q{}{}", topic.value_or("?"), layout->will_qos(),
                            layout->will_retain() ? " retain" : "");
    }
    if (layout->username()) {
        text += fmt::format(" user={}", read_string(frame, at).value_or("?"));
    }
    if (layout->password()) {
        text += " password=(hidden)";
    }
    return text;
}

// The payload as the baseline sees it: a JSON object's keys (values vary from run to run), or what kind of text.
std::string payload_shape(const std::string& payload) {
    if (payload.empty()) {
        return "(empty)";
    }
    auto json = nlohmann::json::parse(payload, nullptr, false);
    if (json.is_discarded()) {
        return "(not JSON)";
    }
    if (!json.is_object()) {
        return std::string("(JSON ") + json.type_name() + ")";
    }
    std::string keys;
    for (const auto& [name, value] : json.items()) {  // nlohmann's object keeps its keys sorted
        keys += (keys.empty() ? "" : ",") + name;
    }
    return "{" + keys + "}";
}

std::string printable(std::string_view text) {
    std::string out;
    for (char c : text.substr(0, shown_payload)) {
        out += (c >= 0x20 && c < 0x7F) ? c : '.';
    }
    if (text.size() > shown_payload) {
        out += fmt::format("... ({} bytes)", text.size());
    }
    return out;
}

class MqttCodec final : public FrameCodec {
public:
    explicit MqttCodec(std::optional<MqttSetpointField> setpoint) : setpoint_(std::move(setpoint)) {}

    std::string_view protocol() const override { return protocol_tag; }

    std::string_view frame_legend() const override {
        return "fixed header (type and flags, remaining length) | its size; the packet and its fields";
    }
    std::string text_line(FrameBytes frame, bool /*to_device*/) const override {
        FixedHeader header{};
        if (read_fixed_header(frame, header) != HeaderState::complete) {
            return hex_bytes(frame) + "  ; not an MQTT packet";
        }
        return fmt::format("{} | {} bytes  ; {}", hex_bytes(frame.first(header.header_size)), header.remaining_length,
                           describe(frame, header, true));
    }

    std::string baseline_line(FrameBytes frame, bool /*to_device*/) const override {
        FixedHeader header{};
        if (read_fixed_header(frame, header) != HeaderState::complete) {
            return "malformed packet";
        }
        // When paho pings follows its idle clock, so whether a ping falls before a run's end or across a bucket
        // edge is timing; the keep-alive itself shows in CONNECT.
        if (header.type == Type::pingreq || header.type == Type::pingresp) {
            return "";
        }
        return describe(frame, header, false);
    }

    std::optional<std::uint32_t> pairing_key(FrameBytes frame, bool to_device) const override {
        FixedHeader header{};
        if (read_fixed_header(frame, header) != HeaderState::complete) {
            return std::nullopt;
        }
        // The driver's requests and the broker's answers only: a broker's PUBLISH and the driver's PUBACK are an
        // exchange the other way round, with its own identifiers.
        for (const auto& exchange : exchanges) {
            if ((to_device ? exchange.request : exchange.answer) != header.type) {
                continue;
            }
            if (!exchange.by_packet_id) {
                return key(exchange.family);
            }
            if (header.type == Type::publish) {  // QoS 0 has no packet id and no answer
                auto publish = read_publish(frame, header);
                return publish ? keyed(exchange.family, publish->id) : std::nullopt;
            }
            return keyed(exchange.family, packet_id(frame, header));
        }
        return std::nullopt;
    }

    bool is_refusal(FrameBytes response) const override {
        FixedHeader header{};
        if (read_fixed_header(response, header) != HeaderState::complete) {
            return false;
        }
        if (header.type == Type::connack) {
            return response.size() >= header.header_size + 2 && response[header.header_size + 1] != 0;
        }
        if (header.type == Type::suback) {
            for (std::size_t at = header.header_size + 2; at < response.size(); ++at) {
                if (response[at] == 0x80) {
                    return true;
                }
            }
        }
        return false;
    }

    std::optional<double> setpoint_in(FrameBytes request) const override {
        FixedHeader header{};
        if (!setpoint_ || read_fixed_header(request, header) != HeaderState::complete || header.type != Type::publish) {
            return std::nullopt;
        }
        auto publish = read_publish(request, header);
        if (!publish || publish->topic != setpoint_->topic) {
            return std::nullopt;
        }
        auto json = nlohmann::json::parse(publish->payload, nullptr, false);
        if (!json.is_object() || !json.contains(setpoint_->key) || !json[setpoint_->key].is_number()) {
            return std::nullopt;
        }
        return json[setpoint_->key].get<double>();
    }

    PcapEncapsulation pcap() const override { return {.device_port = 1883, .link_type = 228}; }

private:
    // `full`: the text trace (ids, payload text); otherwise the baseline (only what does not vary).
    static std::string describe(FrameBytes frame, const FixedHeader& header, bool full) {
        const std::string name(type_name(header.type));
        switch (header.type) {
            case Type::connect:
                return describe_connect(frame, header, full);
            case Type::connack: {
                if (frame.size() < header.header_size + 2) {
                    return name + " (malformed)";
                }
                const int code = frame[header.header_size + 1];
                return fmt::format("{} session_present={} rc={} {}", name, frame[header.header_size] & 0x01, code,
                                   connack_reason(code));
            }
            case Type::publish: {
                auto publish = read_publish(frame, header);
                if (!publish) {
                    return name + " (malformed)";
                }
                std::string text = fmt::format("{} q{}{}", name, publish->qos, publish->retain ? " retain" : "");
                if (full) {
                    text += publish->dup ? " dup" : "";
                    text += publish->id ? fmt::format(" id={}", *publish->id) : "";
                    return fmt::format("{} {} '{}'", text, publish->topic, printable(publish->payload));
                }
                return fmt::format("{} {} {}", text, publish->topic, payload_shape(publish->payload));
            }
            case Type::subscribe:
            case Type::unsubscribe: {
                std::string text = name;
                if (full) {
                    text += fmt::format(" id={}", packet_id(frame, header).value_or(0));
                }
                for (const auto& [filter, qos] : read_filters(frame, header, header.type == Type::subscribe)) {
                    text += " " + filter + (qos >= 0 ? fmt::format(" q{}", qos) : "");
                }
                return text;
            }
            case Type::suback: {
                std::string text = name;
                if (full) {
                    text += fmt::format(" id={}", packet_id(frame, header).value_or(0));
                }
                for (std::size_t at = header.header_size + 2; at < frame.size(); ++at) {
                    text += " " + granted(frame[at]);
                }
                return text;
            }
            case Type::puback:
            case Type::pubrec:
            case Type::pubrel:
            case Type::pubcomp:
            case Type::unsuback:
                return full ? fmt::format("{} id={}", name, packet_id(frame, header).value_or(0)) : name;
            default:
                return name;
        }
    }

    std::optional<MqttSetpointField> setpoint_;
};

}  // namespace

std::shared_ptr<const FrameCodec> make_mqtt_codec(std::optional<MqttSetpointField> setpoint) {
    return std::make_shared<MqttCodec>(std::move(setpoint));
}

}  // namespace evhil::harness

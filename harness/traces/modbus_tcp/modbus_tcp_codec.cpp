#include "harness/traces/modbus_tcp/modbus_tcp_codec.hpp"

#include <fmt/format.h>

#include <array>
#include <string_view>
#include <variant>

#include "drivers/transport/modbus/pdu.hpp"
#include "drivers/transport/modbus/register_codec.hpp"
#include "drivers/transport/modbus/tcp_adu.hpp"

namespace evhil::harness {
namespace {

namespace fc = modbus::function;

// ---- text -------------------------------------------------------------------------------------------------------

// How a PDU splits into fields for the hex column: the widths of the leading fields (function code first), then
// either 16-bit words (register values) or single bytes (coils) for the rest. Grouping the hex this way lets a
// reader see address and count at a glance; unknown functions fall back to plain bytes.
struct PduLayout {
    std::uint8_t function;
    bool request;
    std::string_view leading;  // field widths in bytes, one digit each
    bool rest_in_words;
};

constexpr std::array pdu_layouts{
    PduLayout{0x01, true, "122", false},  PduLayout{0x01, false, "11", false},   //
    PduLayout{0x02, true, "122", false},  PduLayout{0x02, false, "11", false},   //
    PduLayout{0x03, true, "122", true},   PduLayout{0x03, false, "11", true},    //
    PduLayout{0x04, true, "122", true},   PduLayout{0x04, false, "11", true},    //
    PduLayout{0x05, true, "122", false},  PduLayout{0x05, false, "122", false},  //
    PduLayout{0x06, true, "122", true},   PduLayout{0x06, false, "122", true},   //
    PduLayout{0x0F, true, "1221", false}, PduLayout{0x0F, false, "122", false},  //
    PduLayout{0x10, true, "1221", true},  PduLayout{0x10, false, "122", true},   //
};

PduLayout layout_of(FrameBytes pdu, bool is_request) {
    if ((pdu[0] & fc::exception_flag) != 0) {
        return {pdu[0], is_request, "11", false};
    }
    for (const auto& layout : pdu_layouts) {
        if (layout.function == pdu[0] && layout.request == is_request) {
            return layout;
        }
    }
    return {pdu[0], is_request, "1", false};
}

void append_field(std::string& out, FrameBytes field) {
    if (!out.empty()) {
        out += ' ';
    }
    for (auto byte : field) {
        out += fmt::format("{:02x}", byte);
    }
}

std::string hex_pdu(FrameBytes pdu, bool is_request) {
    PduLayout layout = layout_of(pdu, is_request);
    std::string out;
    std::size_t at = 0;
    for (char width : layout.leading) {
        std::size_t size = std::min<std::size_t>(static_cast<std::size_t>(width - '0'), pdu.size() - at);
        append_field(out, pdu.subspan(at, size));
        at += size;
    }
    std::size_t step = layout.rest_in_words ? 2 : 1;
    while (at < pdu.size()) {
        std::size_t size = std::min(step, pdu.size() - at);
        append_field(out, pdu.subspan(at, size));
        at += size;
    }
    return out;
}

// ---- baseline ---------------------------------------------------------------------------------------------------

bool is_known_function(std::uint8_t code) {
    return code == fc::read_holding_registers || code == fc::read_input_registers ||
           code == fc::write_single_register || code == fc::write_multiple_registers;
}

// A request keeps every byte that matters. describe_pdu says all of it for well-formed known requests; for the
// rest it would only give a length, so those keep their raw bytes instead.
std::string describe_request(FrameBytes pdu) {
    const auto decoded = modbus::decode_request(pdu);
    const bool malformed = std::holds_alternative<modbus::ExceptionCode>(decoded);
    if (!malformed && is_known_function(pdu[0])) {
        return modbus::describe_pdu(pdu, true);
    }
    return fmt::format("FC{} {} [{}]", pdu[0], malformed ? "malformed" : "data", hex_bytes(pdu.subspan(1)));
}

// A response drops register values, which follow the physics and the wall clock, and keeps its shape.
std::string describe_response(FrameBytes pdu) {
    const std::uint8_t code = pdu[0];
    if ((code & fc::exception_flag) != 0) {
        return pdu.size() == 2 ? modbus::describe_pdu(pdu, false)
                               : fmt::format("FC{} malformed exception", code & ~fc::exception_flag);
    }
    switch (code) {
        case fc::read_holding_registers:
        case fc::read_input_registers:
            if (pdu.size() >= 2 && pdu.size() == 2U + pdu[1] && pdu[1] % 2 == 0) {
                return fmt::format("FC{} reply x{}", code, pdu[1] / 2);
            }
            return fmt::format("FC{} malformed reply", code);
        case fc::write_single_register:
        case fc::write_multiple_registers:
            // Write acks echo address, count or the written value, all fixed by the request.
            return pdu.size() == 5 ? modbus::describe_pdu(pdu, false) : fmt::format("FC{} malformed ack", code);
        default:
            return fmt::format("FC{} reply", code);
    }
}

class ModbusTcpCodec final : public FrameCodec {
public:
    explicit ModbusTcpCodec(std::optional<ModbusSetpointField> setpoint) : setpoint_(setpoint) {}

    std::string_view protocol() const override { return modbus::tcp_adu::protocol_tag; }

    // "0001 0000 0006 01 | 03 04b0 0010  ; tid 1 unit 1 FC3 read 1200 x16"
    std::string_view frame_legend() const override {
        return "tid protocol length unit | function code and the PDU's fields";
    }
    std::string text_line(FrameBytes frame, bool to_device) const override {
        const auto adu = modbus::tcp_adu::parse(frame);
        if (!adu) {
            return hex_bytes(frame) + "  ; short frame";  // the tap never emits one; a handmade trace might
        }
        std::string mbap;
        for (std::size_t at = 0; at < 6; at += 2) {
            append_field(mbap, frame.subspan(at, 2));
        }
        append_field(mbap, frame.subspan(6, 1));
        return fmt::format("{} | {}  ; tid {} unit {} {}", mbap, hex_pdu(adu->pdu, to_device), adu->transaction,
                           adu->unit, modbus::describe_pdu(adu->pdu, to_device));
    }

    // "unit 1 FC3 read 1200 x16". A non-zero protocol id is not Modbus and must show; zero would only be noise.
    std::string baseline_line(FrameBytes frame, bool to_device) const override {
        const auto adu = modbus::tcp_adu::parse(frame);
        if (!adu) {
            return "malformed ADU";
        }
        const std::string protocol = adu->protocol == 0 ? "" : fmt::format(" protocol {}", adu->protocol);
        return fmt::format("unit {}{} {}", adu->unit, protocol,
                           to_device ? describe_request(adu->pdu) : describe_response(adu->pdu));
    }

    std::optional<std::uint32_t> pairing_key(FrameBytes frame, bool /*to_device*/) const override {
        const auto adu = modbus::tcp_adu::parse(frame);
        return adu ? std::optional<std::uint32_t>(adu->transaction) : std::nullopt;
    }

    bool is_refusal(FrameBytes response) const override {
        const auto adu = modbus::tcp_adu::parse(response);
        return adu && (adu->pdu[0] & fc::exception_flag) != 0;
    }

    std::optional<double> setpoint_in(FrameBytes request) const override {
        const auto adu = modbus::tcp_adu::parse(request);
        if (!setpoint_ || !adu) {
            return std::nullopt;
        }
        const auto decoded = modbus::decode_request(adu->pdu);
        const auto* write = std::get_if<modbus::Request>(&decoded);
        if (write == nullptr || write->address != setpoint_->address ||
            (write->function != fc::write_multiple_registers && write->function != fc::write_single_register)) {
            return std::nullopt;
        }
        if (setpoint_->format == ModbusSetpointField::Format::float32) {
            return write->values.size() == 2 ? std::optional<double>(modbus::decode_float32(write->values))
                                             : std::nullopt;
        }
        return write->values.size() == 1 ? std::optional<double>(write->values[0] * setpoint_->amps_per_unit)
                                         : std::nullopt;
    }

    PcapEncapsulation pcap() const override { return {502}; }

private:
    std::optional<ModbusSetpointField> setpoint_;
};

}  // namespace

std::shared_ptr<const FrameCodec> make_modbus_tcp_codec(std::optional<ModbusSetpointField> setpoint) {
    return std::make_shared<ModbusTcpCodec>(setpoint);
}

}  // namespace evhil::harness

#pragma once
// The Alfen station simulator on its own, at the PDU level, on a virtual clock: the fixture the register map tests
// (alfen_register_map_test.cpp) and the physics and settings tests (alfen_station_physics_test.cpp) share.

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <variant>
#include <vector>

#include "drivers/transport/modbus/pdu.hpp"
#include "drivers/transport/modbus/register_codec.hpp"
#include "simulators/chargers/alfen/alfen_station.hpp"
#include "simulators/physics/ev.hpp"

namespace evhil::sim::alfen::station_test {

using namespace std::chrono_literals;
using modbus::ExceptionCode;
using Words = std::vector<std::uint16_t>;

inline constexpr std::uint8_t socket1 = 1;

inline TimePoint start_time() {
    return TimePoint{std::chrono::sys_days{std::chrono::year{2026} / 6 / 21}} + 8h;
}

class AlfenStationTest : public ::testing::Test {
protected:
    void make(AlfenStationSettings settings = {}) {
        station = std::make_unique<AlfenStation>(std::move(settings), clock, &ev);
    }
    void SetUp() override { make(); }

    // Read holding registers; fails the test on an exception.
    Words read(std::uint8_t unit, std::uint16_t address, std::uint16_t count) {
        auto response = station->handle(unit, modbus::encode_read_holding(address, count));
        EXPECT_TRUE(response.has_value());
        if (!response) {
            return {};
        }
        auto decoded = modbus::decode_read_response(*response, count);
        if (auto* error = std::get_if<modbus::ResponseError>(&decoded)) {
            ADD_FAILURE() << "read " << address << " x" << count << " on unit " << int(unit) << ": " << error->message;
            return {};
        }
        return std::get<Words>(decoded);
    }
    float read_float(std::uint8_t unit, std::uint16_t address) {
        return modbus::decode_float32(read(unit, address, 2));
    }
    double read_double(std::uint8_t unit, std::uint16_t address) {
        return modbus::decode_float64(read(unit, address, 4));
    }
    std::uint32_t read_u32(std::uint8_t unit, std::uint16_t address) {
        return modbus::decode_u32(read(unit, address, 2));
    }
    std::string read_string(std::uint8_t unit, std::uint16_t address, std::uint16_t count) {
        return modbus::decode_string(read(unit, address, count));
    }

    // The exception a request is answered with, or nullopt when it succeeded.
    std::optional<ExceptionCode> exception_for(std::uint8_t unit, const modbus::Pdu& request) {
        auto response = station->handle(unit, request);
        EXPECT_TRUE(response.has_value());
        if (!response || response->empty() || (response->at(0) & modbus::function::exception_flag) == 0) {
            return std::nullopt;
        }
        EXPECT_EQ(response->at(0), request[0] | modbus::function::exception_flag);
        return static_cast<ExceptionCode>(response->at(1));
    }
    std::optional<ExceptionCode> write_float(std::uint8_t unit, std::uint16_t address, float value) {
        return exception_for(unit, modbus::encode_write_multiple(address, modbus::encode_float32(value)));
    }
    std::optional<ExceptionCode> set_current(float amps) { return write_float(socket1, 1210, amps); }

    // Moves the clock in whole physics steps of 1 s, stepping the station as the standalone simulator does.
    void run_for(Duration span, Duration step = 1s) {
        for (Duration done{0}; done < span; done += step) {
            clock.advance_to(clock.now() + step);
            station->step(step);
        }
    }

    VirtualClock clock{start_time()};
    physics::Ev ev{physics::EvSettings{}};
    std::unique_ptr<AlfenStation> station;
};

}  // namespace evhil::sim::alfen::station_test

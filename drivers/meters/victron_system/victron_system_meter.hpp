#pragma once
// The site's power flows and home battery as the GX computes them: a client of the Victron bus that follows
// com.victronenergy.system (dbus-systemcalc-py) and com.victronenergy.settings, as victron-alfen-charger reads them
// (victron-venus.md 3 and 6.2), for the solar controller (drivers/control/solar_controller.hpp).
//
//   pv           /Dc/Pv/Power + /Ac/PvOnOutput/L{1,2,3}/Power + /Ac/PvOnGrid/L{1,2,3}/Power + /Ac/PvOnGenset/L{1,2,3}
//   consumption  /Ac/Consumption/L{1,2,3}/Power (the chargers included)
//   grid         /Ac/Grid/L{1,2,3}/Power (+ import)
//   battery      /Dc/Battery/Power (+ charging), /Dc/Battery/Soc
//   min SOC      system /Control/ActiveSocLimit (the floor ESS holds); without it the higher of the settings'
//                BatteryLife/SocLimit and BatteryLife/MinimumSocLimit. victron-alfen-charger takes SocLimit first,
//                which misses a user minimum raised above BatteryLife's limit.
// A missing or invalid path counts as 0 (the SOCs as unknown). The reading is valid while the system service is on
// the bus and has been read; a service that leaves makes it invalid until it is back and read again.
//
// It reads each service whole (GetItems) when it appears and then follows its change signals; its bus connection is
// its own, reconnected with back-off when it breaks. Runs in evchargerd (with venus: and Auto) and in the harness
// beside the virtual GX. Covered by tests/unit/victron_system_meter_test.cpp and the scenarios in scenarios/solar/.

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "drivers/control/site_meter.hpp"
#include "drivers/core/backoff.hpp"
#include "drivers/core/executor.hpp"
#include "drivers/venus/venus_bus.hpp"

namespace evhil::meters {

class VictronSystemMeter final : public control::SiteMeter {
public:
    VictronSystemMeter(Executor& executor, venus::VenusBus& bus, Rng rng);
    ~VictronSystemMeter() override;
    VictronSystemMeter(const VictronSystemMeter&) = delete;
    VictronSystemMeter& operator=(const VictronSystemMeter&) = delete;

    void start();
    void stop();
    control::SiteReading reading() const override;
    std::uint64_t updates() const { return updates_; }

private:
    struct Source {
        std::string name;
        std::map<std::string, double> values;  // path -> number; absent: missing or invalid
        bool present = false;
        bool read = false;
        std::uint64_t epoch = 0;
    };
    void connect();
    void follow(Source& source);
    void read(Source& source);
    void lost(const std::string& reason);
    double sum(const Source& source, const std::string& quantity) const;  // "/Ac/Grid": L1 + L2 + L3 /Power
    std::optional<double> value(const Source& source, const std::string& path) const;

    Executor& executor_;
    venus::VenusBus& bus_;
    Backoff backoff_;
    bool running_ = false;
    Source system_{"com.victronenergy.system", {}, false, false, 0};
    Source settings_{"com.victronenergy.settings", {}, false, false, 0};
    std::optional<Executor::TimerId> retry_;
    std::uint64_t updates_ = 0;
    std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace evhil::meters

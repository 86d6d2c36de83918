#include "harness/devices/gx/gx_buses.hpp"

#include "drivers/venus/dbus_venus_bus.hpp"
#include "drivers/venus/in_process_bus.hpp"
#include "simulators/victron/private_bus.hpp"

namespace evhil::harness {
namespace {

class InProcessGxBuses final : public GxBuses {
public:
    explicit InProcessGxBuses(Executor& executor)
        : daemon_(executor),
          station_(daemon_, "evchargerd"),
          gx_(daemon_, "gx"),
          gui_(daemon_, "gui"),
          intruder_(daemon_, "intruder"),
          bridge_(daemon_, "dbus-flashmq"),
          meter_(daemon_, "evchargerd-meter") {}

    venus::VenusBus& station() override { return station_; }
    venus::VenusBus& gx() override { return gx_; }
    venus::VenusBus& gui() override { return gui_; }
    venus::VenusBus& intruder() override { return intruder_; }
    venus::VenusBus& bridge() override { return bridge_; }
    venus::VenusBus& meter() override { return meter_; }
    void drop_station() override { daemon_.drop(station_); }
    std::string address() const override { return "the in-process bus"; }

private:
    venus::InProcessBusDaemon daemon_;
    venus::InProcessVenusBus station_;
    venus::InProcessVenusBus gx_;
    venus::InProcessVenusBus gui_;
    venus::InProcessVenusBus intruder_;
    venus::InProcessVenusBus bridge_;
    venus::InProcessVenusBus meter_;
};

class DbusGxBuses final : public GxBuses {
public:
    explicit DbusGxBuses(Executor& executor)
        : station_(executor, daemon_.address()),
          gx_(executor, daemon_.address()),
          gui_(executor, daemon_.address(), /*watch_signals=*/true),
          intruder_(executor, daemon_.address()),
          bridge_(executor, daemon_.address(), /*watch_signals=*/true),
          meter_(executor, daemon_.address(), /*watch_signals=*/true) {}

    venus::VenusBus& station() override { return station_; }
    venus::VenusBus& gx() override { return gx_; }
    venus::VenusBus& gui() override { return gui_; }
    venus::VenusBus& intruder() override { return intruder_; }
    venus::VenusBus& bridge() override { return bridge_; }
    venus::VenusBus& meter() override { return meter_; }
    void drop_station() override { station_.sever(); }
    std::string address() const override { return daemon_.address(); }

private:
    sim::victron::PrivateBus daemon_;  // first: the connections go before it
    venus::DbusVenusBus station_;
    venus::DbusVenusBus gx_;
    venus::DbusVenusBus gui_;
    venus::DbusVenusBus intruder_;
    venus::DbusVenusBus bridge_;
    venus::DbusVenusBus meter_;
};

}  // namespace

std::unique_ptr<GxBuses> make_gx_buses(Executor& executor, const std::string& target) {
    if (target == "sim") {
        return std::make_unique<InProcessGxBuses>(executor);
    }
    return std::make_unique<DbusGxBuses>(executor);
}

}  // namespace evhil::harness

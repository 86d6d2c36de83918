#pragma once
// evchargerd's objects as evchargerd wires them (the real port provider, the station, the Venus output on a D-Bus
// connection of its own), built and torn down on an executor thread of the benchmark: the daemon side of the
// benchmarks that time a path through the station to or from the bus (bench_venus_setvalue, bench_mqtt).

#include <memory>
#include <string>

#include "drivers/station/real_port_provider.hpp"
#include "drivers/station/station.hpp"
#include "drivers/transport/mqtt/paho_transport.hpp"
#include "drivers/venus/dbus_venus_bus.hpp"
#include "drivers/venus/venus_output.hpp"
#include "tests/support/executor_thread.hpp"

namespace evhil::bench {

class StationOnBus {
public:
    StationOnBus(test::ExecutorThread& loop, const station::StationConfig& config, const std::string& bus_address)
        : loop_(loop) {
        auto chargers = venus::parse_station_evchargers(config.chargers);
        loop_.on_loop([&] {
            ports_ = std::make_unique<station::RealPortProvider>(loop_.executor(), [](Executor& executor) {
                return std::make_unique<mqtt::PahoMqttTransport>(executor);
            });
            station_ = std::make_unique<station::Station>(loop_.executor(), config, *ports_, Rng(1));
            bus_ = std::make_unique<venus::DbusVenusBus>(loop_.executor(), bus_address);
            output_ =
                std::make_unique<venus::VenusOutput>(loop_.executor(), *bus_, *station_, chargers, "bench", Rng(2));
            station_->start();
            output_->start();
        });
    }
    ~StationOnBus() {
        loop_.on_loop([&] {
            output_.reset();
            bus_.reset();
            station_->stop();
            station_.reset();
            ports_.reset();
        });
    }
    StationOnBus(const StationOnBus&) = delete;
    StationOnBus& operator=(const StationOnBus&) = delete;

    // On the loop's thread only.
    const venus::VenusOutput& output() const { return *output_; }

private:
    test::ExecutorThread& loop_;
    std::unique_ptr<station::RealPortProvider> ports_;
    std::unique_ptr<station::Station> station_;
    std::unique_ptr<venus::DbusVenusBus> bus_;
    std::unique_ptr<venus::VenusOutput> output_;
};

}  // namespace evhil::bench

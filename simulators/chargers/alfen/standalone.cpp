#include "simulators/chargers/alfen/standalone.hpp"

#include <fmt/format.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <csignal>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <vector>

#include "drivers/core/executor.hpp"
#include "drivers/core/log.hpp"
#include "drivers/transport/modbus/tcp_server.hpp"
#include "simulators/chargers/alfen/alfen_station.hpp"

namespace evhil::sim::alfen {

int run_alfen_simulator(const AlfenStandaloneOptions& options) {
    RealClock clock;
    log::set_log_clock(&clock);
    Executor executor(clock);

    physics::EvSettings ev_settings = options.ev;
    if (options.initial_soc) {
        ev_settings.initial_soc = *options.initial_soc;
    }
    std::vector<std::unique_ptr<physics::Ev>> evs;
    for (int i = 0; i < options.settings.sockets; ++i) {
        evs.push_back(std::make_unique<physics::Ev>(ev_settings));
        if (options.ev_plugged_in) {
            evs.back()->plug_in();
        }
    }
    AlfenStation station(options.settings, clock, evs[0].get(), evs.size() > 1 ? evs[1].get() : nullptr);
    modbus::TcpServer server(executor, station, options.host, options.port);
    station.set_on_reboot([&server] { server.close_all_connections(); });

    try {
        server.start();
    } catch (const std::exception& error) {
        std::fprintf(stderr, "%s\n", error.what());
        log::set_log_clock(nullptr);
        return 1;
    }
    std::string units = options.settings.sockets == 2 ? "200, 1, 2" : "200, 1";
    fmt::print("alfen simulator listening on {}:{} (units {})\n", options.host, server.port(), units);
    std::fflush(stdout);

    executor.schedule_every(options.physics_step, [&station, &options] { station.step(options.physics_step); });
    boost::asio::signal_set signals(executor.io(), SIGINT, SIGTERM);
    signals.async_wait([&executor](const boost::system::error_code& error, int) {
        if (!error) {
            executor.stop();
        }
    });
    executor.run();

    signals.cancel();
    server.stop();
    log::set_log_clock(nullptr);
    return 0;
}

}  // namespace evhil::sim::alfen

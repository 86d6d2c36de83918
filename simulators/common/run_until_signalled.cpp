#include "simulators/common/run_until_signalled.hpp"

#include <boost/asio/signal_set.hpp>

#include <csignal>

namespace evhil::sim {

void run_until_signalled(Executor& executor) {
    boost::asio::signal_set signals(executor.io(), SIGINT, SIGTERM);
    signals.async_wait([&executor](const boost::system::error_code& error, int) {
        if (!error) {
            executor.stop();
        }
    });
    executor.run();
    signals.cancel();
}

}  // namespace evhil::sim

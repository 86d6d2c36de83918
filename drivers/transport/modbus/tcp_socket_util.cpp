#include "drivers/transport/modbus/tcp_socket_util.hpp"

#include <fmt/format.h>

#include <stdexcept>

namespace evhil::modbus::tcp_util {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

std::uint16_t open_listener(asio::io_context& io, tcp::acceptor& acceptor, const std::string& host,
                            std::uint16_t port) {
    auto fail = [&](const boost::system::error_code& error) {
        boost::system::error_code ignored;
        acceptor.close(ignored);
        throw std::runtime_error(fmt::format("cannot listen on {}:{}: {}", host, port, error.message()));
    };
    boost::system::error_code error;
    tcp::endpoint listen_on;
    auto address = asio::ip::make_address(host, error);
    if (!error) {
        listen_on = tcp::endpoint(address, port);
    } else {
        tcp::resolver resolver(io);
        auto results = resolver.resolve(host, std::to_string(port), error);
        if (error) {
            fail(error);
        }
        listen_on = results.begin()->endpoint();
    }
    if (acceptor.open(listen_on.protocol(), error); error) {
        fail(error);
    }
    acceptor.set_option(tcp::acceptor::reuse_address(true), error);
    if (acceptor.bind(listen_on, error); error) {
        fail(error);
    }
    if (acceptor.listen(asio::socket_base::max_listen_connections, error); error) {
        fail(error);
    }
    return acceptor.local_endpoint(error).port();
}

void close_socket(tcp::socket& socket) {
    boost::system::error_code ignored;
    socket.shutdown(tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
}

}  // namespace evhil::modbus::tcp_util

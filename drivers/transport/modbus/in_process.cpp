#include "drivers/transport/modbus/in_process.hpp"

namespace evhil::modbus {

InProcessServer::InProcessServer(ModbusDevice& device, const Clock& clock, std::string name)
    : device_(device), clock_(clock), name_(std::move(name)), sessions_(device.connection_rules()) {}

std::optional<SessionTable::SessionId> InProcessServer::open_session() {
    if (faults_.link_down) {
        return std::nullopt;
    }
    sessions_.expire_idle(clock_.now());
    return sessions_.open(clock_.now());
}

std::variant<Pdu, PortError> InProcessServer::transact(SessionTable::SessionId session, std::uint8_t unit,
                                                       std::span<const std::uint8_t> request) {
    sessions_.expire_idle(clock_.now());
    if (faults_.link_down) {
        sessions_.close_all();
    }
    if (!sessions_.is_open(session)) {
        return PortError{PortError::Kind::connection_lost, std::nullopt, name_ + " closed the connection"};
    }
    if (faults_.hang) {
        return PortError{PortError::Kind::timeout, std::nullopt, name_ + " did not answer"};
    }
    sessions_.touch(session, clock_.now());
    ++requests_served_;
    if (faults_.exception) {
        return encode_exception(request.empty() ? 0 : request[0], *faults_.exception);
    }
    auto response = device_.handle(unit, request);
    if (!response) {
        return PortError{PortError::Kind::timeout, std::nullopt,
                         name_ + " gave no answer for unit " + std::to_string(unit)};
    }
    return std::move(*response);
}

InProcessClient::InProcessClient(Executor& executor, InProcessServer& server, PortTimeouts timeouts)
    : executor_(executor), server_(server), timeouts_(timeouts), queue_(executor) {}

InProcessClient::~InProcessClient() {
    InProcessClient::disconnect();
}

void InProcessClient::connect(ConnectHandler done) {
    disconnect();
    session_ = server_.open_session();
    std::optional<PortError> error;
    if (!session_) {
        error = PortError{PortError::Kind::connect_failed, std::nullopt,
                          "cannot connect to " + server_.name() +
                              (server_.faults().link_down ? " (link down)" : " (connection refused)")};
    }
    queue_.post_guarded([done = std::move(done), error] { done(error); });
}

void InProcessClient::close_session() {
    if (session_) {
        server_.close_session(*session_);
        session_.reset();
    }
}

void InProcessClient::disconnect() {
    if (timeout_timer_) {
        executor_.cancel(*timeout_timer_);
        timeout_timer_.reset();
    }
    queue_.clear();
    close_session();
}

void InProcessClient::transact(std::uint8_t unit, Pdu request, PduHandler done) {
    queue_.push({unit, std::move(request), std::move(done)});
    send_next();
}

void InProcessClient::send_next() {
    if (const auto* request = queue_.start_next()) {
        // The device answers once the caller's task is over, as it would after the bytes crossed a socket; its answer
        // is delivered from that same task.
        queue_.post_guarded([this, request] { answer(*request); });
    }
}

void InProcessClient::answer(const RequestQueue::Request& request) {
    if (!session_) {
        queue_.finish_now(PortError{PortError::Kind::not_connected, std::nullopt, "not connected to " + endpoint()});
        send_next();
        return;
    }
    auto result = server_.transact(*session_, request.unit, request.pdu);
    auto* error = std::get_if<PortError>(&result);
    if (error != nullptr && error->kind == PortError::Kind::timeout) {
        // No answer: the client gives up after its response time, closing the connection as a TCP client
        // must (a late reply would otherwise be read as the answer to the next request).
        timeout_timer_ = executor_.schedule_after(timeouts_.response, [this, message = error->message] {
            timeout_timer_.reset();
            close_session();
            queue_.finish_now(PortError{PortError::Kind::timeout, std::nullopt, message});
            send_next();
        });
        return;
    }
    if (error != nullptr && error->breaks_connection()) {
        close_session();
    }
    queue_.finish_now(std::move(result));
    send_next();
}

}  // namespace evhil::modbus

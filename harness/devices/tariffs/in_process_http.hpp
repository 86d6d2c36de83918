#pragma once
// The sim target's HttpPort: a request goes straight into a price API simulator and its answer comes back on the
// virtual clock, with what the wire would do to it: a slow answer arrives `delay` later, one slower than the
// client's timeout becomes the same timeout error the Beast client gives, a dropped connection the same "closed"
// error. So a scenario judges the same feed behaviour on sim as on wire.

#include <functional>

#include "drivers/core/executor.hpp"
#include "drivers/transport/http/http_port.hpp"
#include "simulators/tariffs/tariff_faults.hpp"

namespace evhil::harness {

class InProcessHttpPort final : public http::HttpPort {
public:
    using Handler = std::function<sim::tariffs::SimAnswer(const http::HttpRequest&)>;
    InProcessHttpPort(Executor& executor, Handler handler, Duration timeout)
        : executor_(executor), handler_(std::move(handler)), timeout_(timeout) {}
    void request(http::HttpRequest request, Done done) override;
    std::uint64_t requests() const { return requests_; }

private:
    Executor& executor_;
    Handler handler_;
    Duration timeout_;
    std::uint64_t requests_ = 0;
};

}  // namespace evhil::harness

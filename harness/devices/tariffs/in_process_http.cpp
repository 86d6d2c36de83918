#include "harness/devices/tariffs/in_process_http.hpp"

#include <fmt/format.h>

namespace evhil::harness {

void InProcessHttpPort::request(http::HttpRequest request, Done done) {
    ++requests_;
    auto answer = handler_(request);
    if (answer.delay >= timeout_) {
        executor_.schedule_after(timeout_, [done = std::move(done), seconds = to_seconds(timeout_)] {
            done(fmt::format("no answer within {:.0f} s", seconds), {});
        });
        return;
    }
    executor_.schedule_after(answer.delay, [done = std::move(done), answer = std::move(answer)] {
        if (answer.drop_connection) {
            done("the connection closed without an answer", {});
        } else {
            done(std::nullopt, answer.response);
        }
    });
}

}  // namespace evhil::harness

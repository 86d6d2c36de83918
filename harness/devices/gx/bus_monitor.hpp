#pragma once
// Records the messages between the station's evcharger services and the rest of a private bus, as
// `dbus-monitor --pcap` does, because it is dbus-monitor: started with match rules for every charger's name
// (what is sent to it, and what it sends) and for the AddSettings calls that claim its instances. Its pcap stream
// (link type 231: one raw D-Bus message per packet) is read on the executor without blocking and turned into frame
// events for the run's trace: to_device for messages addressed to a charger's name, from_device for the rest.
//
// Wire and bench targets only. Covered by the wire runs of scenarios/venus/ (their gx baselines).

#include <sys/types.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "drivers/core/executor.hpp"
#include "drivers/transport/frame_event.hpp"

namespace evhil::harness {

class BusMonitor {
public:
    // `names`: the well-known names of the station's services. Throws std::runtime_error when dbus-monitor cannot
    // be started.
    BusMonitor(Executor& executor, const std::string& address, const std::vector<std::string>& names);
    ~BusMonitor();
    BusMonitor(const BusMonitor&) = delete;
    BusMonitor& operator=(const BusMonitor&) = delete;

    // Called once, when dbus-monitor has written its pcap header: from then on it records.
    void on_ready(std::function<void()> ready) { on_ready_ = std::move(ready); }
    // Stops dbus-monitor; the events are final afterwards.
    void stop();
    std::vector<FrameEvent> take_events() { return std::move(events_); }

private:
    void read_more();
    void consume();

    Executor& executor_;
    std::vector<std::string> names_;
    pid_t pid_ = -1;
    struct Stream;
    std::unique_ptr<Stream> stream_;
    std::vector<std::uint8_t> pending_;
    bool header_seen_ = false;
    bool swapped_ = false;  // the pcap stream's byte order is not ours
    std::function<void()> on_ready_;
    std::vector<FrameEvent> events_;
    std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace evhil::harness

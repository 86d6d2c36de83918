#pragma once
// com.victronenergy.evcharger.<name>: one charger of the station as a Victron EV charger, on any VenusBus.
//
// Reads follow the station: every status refresh and every user change updates the items in one batch (one
// ItemsChanged). Writes go into the station and answer at once; what reaches the charger follows through the
// station's control cycle and the driver, never inside the bus handler:
//   /Mode        0 Manual is accepted; Auto and Scheduled are refused (2) until their controllers exist
//   /StartStop   0 stop, 1 start: the user's enable for this charger
//   /SetCurrent  the user's current, 0 to 80 A; what reads back is the limiter's clamp of it (cable, station,
//                configuration, /MaxCurrent), so a GUI sees what the charger will really get
//   /MaxCurrent  the user's own cap, 0 to 80 A
//   /CustomName  any text; persisted with the user's settings
//   /Position    0 AC output, 1 AC input; from the configuration, writeable as on Victron's EVCS, not persisted
// While the driver has lost its charger, /Connected is 0, /Status 0 (Disconnected) and the measurements are
// invalid; the service stays on the bus.
//
// Covered by tests/unit/evcharger_service_test.cpp.

#include <memory>
#include <string>

#include "drivers/station/station.hpp"
#include "drivers/venus/evcharger_settings.hpp"
#include "drivers/venus/item_tree.hpp"
#include "drivers/venus/venus_bus.hpp"

namespace evhil::venus {

// /Status codes (gui-v2's Evcs_Status) that the service can tell today.
enum class EvcsStatus : int {
    disconnected = 0,
    connected = 1,
    charging = 2,
    charged = 3,
    waiting_for_sun = 4,
    waiting_for_start = 6,
    low_soc = 7,
};
const char* status_text(int status);

// The status a GX shows for a charger, from what the station knows.
EvcsStatus evcs_status(const station::Station::Charger& charger);

class EvchargerService {
public:
    EvchargerService(VenusBus& bus, station::Station& station, std::string charger_id, EvchargerSettings settings,
                     std::string process_version);
    ~EvchargerService();
    EvchargerService(const EvchargerService&) = delete;
    EvchargerService& operator=(const EvchargerService&) = delete;

    std::string bus_name() const { return "com.victronenergy.evcharger." + settings_.name; }
    // Publishes the service (the bus must be connected); `done` says whether the name was claimed.
    void publish(VenusBus::Done done);
    void withdraw();
    // Brings every item up to date with the station, in one batch.
    void refresh();
    const ItemTree& tree() const { return tree_; }
    // Where the service claims its VRM instance in com.victronenergy.settings, and the claim's default
    // ("evcharger:<configured instance>"); the settings service may hand out a higher free one.
    std::string instance_setting_path() const {
        return "/Settings/Devices/evchargerd_" + settings_.name + "/ClassAndVrmInstance";
    }
    std::string instance_claim() const { return "evcharger:" + std::to_string(settings_.device_instance); }
    // The instance the settings service assigned (before publish()).
    void set_device_instance(std::int64_t instance) { tree_.set("/DeviceInstance", instance); }
    const std::string& charger_id() const { return charger_id_; }

private:
    void add_items();
    void add_writeable(const std::string& path, BusValue initial, ValueKind kind,
                       std::function<bool(const BusValue&)> apply,
                       std::function<std::string(const std::string&, const BusValue&)> text = {});
    const station::Station::Charger& charger() const;

    VenusBus& bus_;
    station::Station& station_;
    std::string charger_id_;
    EvchargerSettings settings_;
    std::string process_version_;
    ItemTree tree_;
    int position_;
    std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace evhil::venus

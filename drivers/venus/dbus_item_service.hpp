#pragma once
// One item tree published on a D-Bus connection under one bus name, as a velib service: an object per leaf and per
// node implementing com.victronenergy.BusItem (GetValue, GetText, SetValue, GetDescription on leaves; GetValue and
// GetText on nodes; GetItems and the ItemsChanged signal on "/"), and PropertiesChanged on each leaf. The objects are
// exported first and the name is claimed last, so a client that sees the name finds every path (velib's
// register-after-add).
//
// Every handler answers at once from the tree; a SetValue's effect on a charger follows through the station, not
// inside the handler. Covered by tests/integration/dbus_service_test.cpp.

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "drivers/transport/dbus/dbus_connection.hpp"
#include "drivers/venus/item_tree.hpp"

namespace sdbus {
class IObject;
class Variant;
}  // namespace sdbus

namespace evhil::venus {

inline constexpr const char* bus_item_interface = "com.victronenergy.BusItem";
// localsettings' interface of AddSettings, on "/" of com.victronenergy.settings.
inline constexpr const char* settings_interface = "com.victronenergy.Settings";

// velib's wrapping: invalid is an empty int32 array, an integer is int32 unless it needs int64.
sdbus::Variant to_variant(const BusValue& value);
// velib's unwrapping of what a client wrote: every integer width to an integer, any empty array to invalid;
// nullopt for what no item can hold (a non-empty array, a structure).
std::optional<BusValue> from_variant(const sdbus::Variant& variant);
// AddSettings' aa{sv}: definitions (path, default, min, max) in, results (path, error, value) out.
std::vector<SettingDefinition> decode_settings(const std::vector<std::map<std::string, sdbus::Variant>>& definitions);
std::vector<std::map<std::string, sdbus::Variant>> encode_settings(const std::vector<SettingResult>& results);

class DbusItemService : private ItemTreeObserver {
public:
    DbusItemService(dbus::DbusConnection& connection, ItemTree& tree, std::string bus_name);
    ~DbusItemService() override;
    DbusItemService(const DbusItemService&) = delete;
    DbusItemService& operator=(const DbusItemService&) = delete;

    // Exports the objects on the (open) connection and claims the name; `done` says whether the name was claimed.
    void publish(const dbus::DbusConnection::Done& done);
    // Drops the objects (and, when the connection is still open, the name).
    void withdraw();
    bool published() const { return !objects_.empty(); }
    const std::string& bus_name() const { return bus_name_; }

private:
    void export_leaf(const std::string& path);
    void export_node(const std::string& path);
    void drop_objects();
    void properties_changed(const std::string& path, const ItemState& state) override;
    void items_changed(const ItemChanges& changes) override;
    void leaf_added(const std::string& path) override;

    dbus::DbusConnection& connection_;
    ItemTree& tree_;
    std::string bus_name_;
    std::vector<std::pair<std::string, std::unique_ptr<sdbus::IObject>>> objects_;
    sdbus::IObject* root_ = nullptr;
};

}  // namespace evhil::venus

#pragma once
// The items of one Victron bus service and the semantics of com.victronenergy.BusItem, as velib_python's vedbus
// gives them, independent of any bus: the D-Bus adapter (drivers/transport/dbus/) and the in-process bus of the sim
// target both serve the same tree.
//
//  - a leaf per path; a tree node for every prefix of a leaf ("/Ac" and "/Ac/L1" for "/Ac/L1/Power"), and "/";
//  - GetValue / GetText on a node: every leaf below it, keyed by the path relative to the node, no leading slash;
//    GetItems: every leaf keyed by its full path, with its value and text;
//  - SetValue codes: 1 when the path is not writeable or the value cannot take the item's type, 0 when the value
//    is unchanged (nothing is called, nothing is sent), 0 when the write callback accepts (the value is stored and
//    announced), 2 when it refuses. The callback runs only for writes from the bus, never for local updates;
//  - a local update announces a change only when the value changed: outside a batch with PropertiesChanged on the
//    leaf, inside a batch with one ItemsChanged on "/" for the whole batch (and no PropertiesChanged), as velib's
//    service context does.
//
// Covered by tests/unit/item_tree_test.cpp and, over a real dbus-daemon, tests/integration/dbus_service_test.cpp.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "drivers/venus/bus_value.hpp"

namespace evhil::venus {

enum class SetValueResult : int { accepted = 0, not_writeable = 1, refused = 2 };

enum class ValueKind { any, integer, number, text };

struct ItemSpec {
    BusValue value;
    std::string description;
    bool writeable = false;
    // Values of another kind are converted where Python would (an integer to a float, a bool to an integer);
    // a value that cannot be converted is refused with 1. Invalid is always accepted.
    ValueKind kind = ValueKind::any;
    // D-Bus writes only: false refuses with 2. Absent: every write is accepted.
    std::function<bool(const std::string& path, const BusValue& value)> on_write;
    // velib's gettextcallback; absent: Python's str(value) ("0x%X" for /ProductId).
    std::function<std::string(const std::string& path, const BusValue& value)> text;
};

struct ItemState {
    BusValue value;
    std::string text;
};

using ItemChanges = std::vector<std::pair<std::string, ItemState>>;

// What a bus adapter sends when items change.
class ItemTreeObserver {
public:
    virtual ~ItemTreeObserver() = default;
    virtual void properties_changed(const std::string& path, const ItemState& state) = 0;
    virtual void items_changed(const ItemChanges& changes) = 0;
    // A leaf was added after publication (a settings service that gains a setting): the bus exports it.
    virtual void leaf_added(const std::string& /*path*/) {}
};

// localsettings' AddSettings (com.victronenergy.Settings on "/" of com.victronenergy.settings): a client asks for
// settings by path with a default; a setting that exists keeps its value. The type follows the default (integer,
// float, text). A /Settings/Devices/<unique>/ClassAndVrmInstance setting holds "class:instance" and is moved to the
// first instance of its class at or above the requested one that no other device holds: how a Venus service claims
// its VRM instance.
struct SettingDefinition {
    std::string path;
    BusValue default_value;
    std::optional<double> min;
    std::optional<double> max;
};
struct SettingResult {
    std::string path;
    int error = 0;   // 0: the setting exists; localsettings' AddSettingError codes otherwise
    BusValue value;  // what it holds now
};
using SettingsManager = std::function<std::vector<SettingResult>(const std::vector<SettingDefinition>&)>;

class ItemTree {
public:
    // Adds a leaf. Throws std::invalid_argument for a malformed path ("/A/B" form, no empty parts), one that is
    // taken, or one that would put a leaf above or below another leaf.
    void add(const std::string& path, ItemSpec spec);
    bool has_leaf(const std::string& path) const { return items_.count(path) != 0; }
    bool has_node(const std::string& path) const;
    // Every leaf path, and every node path ("/" first), sorted.
    std::vector<std::string> leaves() const;
    std::vector<std::string> nodes() const;

    // A local update (velib's service[path] = value). Throws std::out_of_range for an unknown path.
    void set(const std::string& path, BusValue value);
    const BusValue& value(const std::string& path) const;
    std::string text(const std::string& path) const;
    std::string description(const std::string& path) const;

    // Groups local updates into one ItemsChanged, sent when the last open batch ends.
    class Batch {
    public:
        explicit Batch(ItemTree& tree) : tree_(tree) { ++tree_.batch_depth_; }
        ~Batch() { tree_.end_batch(); }
        Batch(const Batch&) = delete;
        Batch& operator=(const Batch&) = delete;

    private:
        ItemTree& tree_;
    };
    Batch batch() { return Batch(*this); }

    // The bus side.
    SetValueResult set_value(const std::string& path, const BusValue& value);
    std::map<std::string, BusValue> node_values(const std::string& node) const;
    std::map<std::string, std::string> node_texts(const std::string& node) const;
    std::map<std::string, ItemState> items() const;

    // Every bus the tree is published on observes it (a D-Bus service, and an MQTT mirror of it).
    void add_observer(ItemTreeObserver* observer);
    void remove_observer(ItemTreeObserver* observer);

    // A tree that answers AddSettings (the virtual GX's settings service); empty for every other.
    void set_settings_manager(SettingsManager manager) { settings_manager_ = std::move(manager); }
    const SettingsManager& settings_manager() const { return settings_manager_; }

private:
    struct Item {
        ItemSpec spec;
    };
    ItemState state_of(const std::string& path, const Item& item) const;
    std::string text_of(const std::string& path, const Item& item) const;
    void store(const std::string& path, Item& item, BusValue value);
    void end_batch();

    std::map<std::string, Item> items_;
    std::vector<ItemTreeObserver*> observers_;
    SettingsManager settings_manager_;
    int batch_depth_ = 0;
    ItemChanges pending_;
    // Where each item changed in this batch sits in pending_: a GX step changes dozens of items, and finding a repeat
    // by comparing paths was the simulated year's hottest loop.
    std::unordered_map<const Item*, std::size_t> pending_at_;
};

}  // namespace evhil::venus

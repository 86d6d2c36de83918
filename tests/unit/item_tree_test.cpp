// The BusItem semantics of drivers/venus/item_tree.hpp, checked against velib_python's vedbus behaviour.

#include <gtest/gtest.h>

#include "drivers/venus/item_tree.hpp"

namespace evhil::venus {
namespace {

struct Recorder : ItemTreeObserver {
    std::vector<std::pair<std::string, ItemState>> properties;
    std::vector<ItemChanges> batches;
    void properties_changed(const std::string& path, const ItemState& state) override {
        properties.emplace_back(path, state);
    }
    void items_changed(const ItemChanges& changes) override { batches.push_back(changes); }
};

ItemTree charger_tree() {
    ItemTree tree;
    tree.add("/Ac/Power", {.value = 1234.5});
    tree.add("/Ac/L1/Power", {.value = Invalid{}});
    tree.add("/ProductId", {.value = std::int64_t{0xC024}});
    tree.add("/SetCurrent", {.value = 16.0,
                             .writeable = true,
                             .kind = ValueKind::number,
                             .on_write =
                                 [](const std::string&, const BusValue& v) {
                                     double amps = 0;
                                     return as_number(v, amps) && amps >= 0 && amps <= 32;
                                 },
                             .text = [](const std::string&, const BusValue& v) { return python_str(v) + " A"; }});
    tree.add("/Mode", {.value = std::int64_t{0}, .writeable = true, .kind = ValueKind::integer});
    tree.add("/CustomName", {.value = std::string("Garage"), .writeable = true});
    return tree;
}

TEST(BusValue, TextIsPythonsStr) {
    EXPECT_EQ(python_str(BusValue{16.0}), "16.0");
    EXPECT_EQ(python_str(BusValue{0.1}), "0.1");
    EXPECT_EQ(python_str(BusValue{1234.5}), "1234.5");
    EXPECT_EQ(python_str(BusValue{0.0001}), "0.0001");
    EXPECT_EQ(python_str(BusValue{0.00001}), "1e-05");
    EXPECT_EQ(python_str(BusValue{1e16}), "1e+16");
    EXPECT_EQ(python_str(BusValue{123456789.0}), "123456789.0");
    EXPECT_EQ(python_str(BusValue{-2.5}), "-2.5");
    EXPECT_EQ(python_str(BusValue{std::int64_t{-7}}), "-7");
    EXPECT_EQ(python_str(BusValue{true}), "True");
    EXPECT_EQ(python_str(BusValue{Invalid{}}), "---");
}

TEST(BusValue, EqualityIsPythons) {
    EXPECT_TRUE(python_equal(BusValue{std::int64_t{1}}, BusValue{1.0}));
    EXPECT_TRUE(python_equal(BusValue{true}, BusValue{std::int64_t{1}}));
    EXPECT_FALSE(python_equal(BusValue{std::int64_t{1}}, BusValue{std::string("1")}));
    EXPECT_TRUE(python_equal(BusValue{Invalid{}}, BusValue{Invalid{}}));
    EXPECT_FALSE(python_equal(BusValue{Invalid{}}, BusValue{std::int64_t{0}}));
}

TEST(ItemTree, NodesHoldEveryLeafBelowThemKeyedByRelativePath) {
    auto tree = charger_tree();
    EXPECT_EQ(tree.nodes(), (std::vector<std::string>{"/", "/Ac", "/Ac/L1"}));
    auto root = tree.node_values("/");
    EXPECT_EQ(root.size(), 6u);
    EXPECT_TRUE(root.count("Ac/Power"));
    auto ac = tree.node_values("/Ac");
    EXPECT_EQ(ac.size(), 2u);
    EXPECT_TRUE(ac.count("Power"));
    EXPECT_TRUE(ac.count("L1/Power"));
    EXPECT_EQ(tree.node_texts("/Ac").at("L1/Power"), "---");
    auto items = tree.items();
    EXPECT_EQ(items.at("/SetCurrent").text, "16.0 A");
    EXPECT_EQ(items.at("/ProductId").text, "0xC024");
}

TEST(ItemTree, MalformedOrConflictingPathsAreRefused) {
    auto tree = charger_tree();
    EXPECT_THROW(tree.add("Ac/Energy", {}), std::invalid_argument);
    EXPECT_THROW(tree.add("/Ac//Energy", {}), std::invalid_argument);
    EXPECT_THROW(tree.add("/Ac/Power", {}), std::invalid_argument);
    EXPECT_THROW(tree.add("/Ac", {}), std::invalid_argument);          // a node already
    EXPECT_THROW(tree.add("/Mode/Extra", {}), std::invalid_argument);  // below a leaf
    EXPECT_THROW(tree.set("/Nope", BusValue{1.0}), std::out_of_range);
}

TEST(ItemTree, SetValueReturnCodesAreVelibs) {
    auto tree = charger_tree();
    Recorder recorder;
    tree.add_observer(&recorder);
    EXPECT_EQ(tree.set_value("/Ac/Power", BusValue{1.0}), SetValueResult::not_writeable);
    EXPECT_EQ(tree.set_value("/Nope", BusValue{1.0}), SetValueResult::not_writeable);
    EXPECT_EQ(tree.set_value("/SetCurrent", BusValue{std::string("ten")}), SetValueResult::not_writeable);
    EXPECT_EQ(tree.set_value("/SetCurrent", BusValue{std::int64_t{40}}), SetValueResult::refused);
    EXPECT_TRUE(recorder.properties.empty());
    // Unchanged (16 == 16.0): accepted, and nothing is sent.
    EXPECT_EQ(tree.set_value("/SetCurrent", BusValue{std::int64_t{16}}), SetValueResult::accepted);
    EXPECT_TRUE(recorder.properties.empty());
    EXPECT_EQ(tree.set_value("/SetCurrent", BusValue{std::int64_t{10}}), SetValueResult::accepted);
    ASSERT_EQ(recorder.properties.size(), 1u);
    EXPECT_EQ(recorder.properties[0].first, "/SetCurrent");
    EXPECT_EQ(recorder.properties[0].second.text, "10.0 A");  // coerced to a float, as velib's valuetype=float
    EXPECT_TRUE(std::holds_alternative<double>(tree.value("/SetCurrent")));
    // Invalid is always accepted by the type.
    EXPECT_EQ(tree.set_value("/Mode", BusValue{Invalid{}}), SetValueResult::accepted);
    EXPECT_EQ(tree.text("/Mode"), "---");
}

TEST(ItemTree, WriteCallbackRunsOnlyForBusWrites) {
    int calls = 0;
    ItemTree tree;
    tree.add("/StartStop",
             {.value = std::int64_t{0}, .writeable = true, .on_write = [&](const std::string&, const BusValue&) {
                  ++calls;
                  return true;
              }});
    tree.set("/StartStop", BusValue{std::int64_t{1}});
    EXPECT_EQ(calls, 0);
    EXPECT_EQ(tree.set_value("/StartStop", BusValue{std::int64_t{0}}), SetValueResult::accepted);
    EXPECT_EQ(calls, 1);
}

TEST(ItemTree, LocalUpdatesSignalOnlyRealChangesAndABatchSendsOneItemsChanged) {
    auto tree = charger_tree();
    Recorder recorder;
    tree.add_observer(&recorder);
    tree.set("/Ac/Power", BusValue{1234.5});  // unchanged
    EXPECT_TRUE(recorder.properties.empty());
    tree.set("/Ac/Power", BusValue{2000.0});
    EXPECT_EQ(recorder.properties.size(), 1u);
    {
        auto batch = tree.batch();
        tree.set("/Ac/Power", BusValue{2100.0});
        tree.set("/Ac/L1/Power", BusValue{700.0});
        tree.set("/Ac/Power", BusValue{2200.0});       // the same path twice: its last value
        tree.set("/Mode", BusValue{std::int64_t{0}});  // unchanged: not in the batch
    }
    EXPECT_EQ(recorder.properties.size(), 1u);  // no PropertiesChanged inside a batch
    ASSERT_EQ(recorder.batches.size(), 1u);
    const auto& batch = recorder.batches[0];
    ASSERT_EQ(batch.size(), 2u);
    EXPECT_EQ(batch[0].first, "/Ac/Power");
    EXPECT_EQ(python_str(batch[0].second.value), "2200.0");
    EXPECT_EQ(batch[1].first, "/Ac/L1/Power");
    {
        auto batch_without_change = tree.batch();
        tree.set("/Ac/Power", BusValue{2200.0});
    }
    EXPECT_EQ(recorder.batches.size(), 1u);  // an empty batch sends nothing
}

}  // namespace
}  // namespace evhil::venus

// MQTT topic filters as MQTT 3.1.1 section 4.7 defines them; the in-process broker and MqttClient route by these.

#include <gtest/gtest.h>

#include "drivers/transport/mqtt/topic_filter.hpp"

namespace evhil::mqtt {
namespace {

TEST(MqttTopic, ExactFiltersMatchOnlyTheirTopic) {
    EXPECT_TRUE(topic_matches("N/abc/system/0/Serial", "N/abc/system/0/Serial"));
    EXPECT_FALSE(topic_matches("N/abc/system/0/Serial", "N/abc/system/0"));
    EXPECT_FALSE(topic_matches("N/abc/system/0", "N/abc/system/0/Serial"));
}

TEST(MqttTopic, PlusMatchesExactlyOneLevelEvenAnEmptyOne) {
    EXPECT_TRUE(topic_matches("N/+/system/0/Serial", "N/48e7da87942f/system/0/Serial"));
    EXPECT_FALSE(topic_matches("N/+/Serial", "N/abc/system/0/Serial"));
    EXPECT_TRUE(topic_matches("a/+/c", "a//c"));
    EXPECT_TRUE(topic_matches("+", "a"));
    EXPECT_FALSE(topic_matches("+", "a/b"));
}

TEST(MqttTopic, HashMatchesTheParentAndEverythingBelow) {
    EXPECT_TRUE(topic_matches("N/abc/#", "N/abc"));
    EXPECT_TRUE(topic_matches("N/abc/#", "N/abc/evcharger/40/Ac/Power"));
    EXPECT_FALSE(topic_matches("N/abc/#", "N/abd/evcharger"));
    EXPECT_TRUE(topic_matches("#", "homeassistant/status"));
}

TEST(MqttTopic, WildcardsInTheFirstLevelSkipDollarTopics) {
    EXPECT_FALSE(topic_matches("#", "$SYS/broker/uptime"));
    EXPECT_FALSE(topic_matches("+/broker/uptime", "$SYS/broker/uptime"));
    EXPECT_TRUE(topic_matches("$SYS/#", "$SYS/broker/uptime"));
}

TEST(MqttTopic, BadNamesAndFiltersSayWhy) {
    EXPECT_FALSE(topic_name_error("W/abc/evcharger/40/SetCurrent"));
    EXPECT_TRUE(topic_name_error(""));
    EXPECT_NE(topic_name_error("N/+/x")->find("wildcards"), std::string::npos);
    EXPECT_FALSE(topic_filter_error("N/+/evcharger/#"));
    EXPECT_NE(topic_filter_error("N/#/x")->find("last level"), std::string::npos);
    EXPECT_NE(topic_filter_error("N/ab#")->find("last level"), std::string::npos);
    EXPECT_NE(topic_filter_error("N/a+/x")->find("whole level"), std::string::npos);
}

}  // namespace
}  // namespace evhil::mqtt

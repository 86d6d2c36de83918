#pragma once
// Just enough GraphQL for the Tibber simulator to answer the queries price clients send: one query operation, its
// fields with aliases, scalar arguments (literals or $variables), nested selection sets. Fragments, directives,
// mutations and subscriptions are refused: no price client sends them, and a silent misreading would answer the wrong
// shape. Parsing the query, rather than searching it for words, lets the answer hold exactly the fields asked for, as
// a GraphQL server's does.
//
// Covered by tests/unit/tibber_api_test.cpp.

#include <nlohmann/json_fwd.hpp>

#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace evhil::sim::tariffs::graphql {

struct Field {
    std::string key;   // where the answer goes: the alias, or else the name
    std::string name;  // the schema field
    // Scalar arguments as text: strings unquoted, enum values and numbers as written; $variables already resolved.
    std::map<std::string, std::string> arguments;
    std::vector<Field> selections;
};

// What a GraphQL server reports as a parse or validation error.
class QueryError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// The top-level selections of the document's query. Throws QueryError for text that is not such a query, or a
// $variable that `variables` does not hold.
std::vector<Field> parse_query(const std::string& query, const nlohmann::json& variables);

}  // namespace evhil::sim::tariffs::graphql

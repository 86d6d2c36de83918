#include "simulators/tariffs/graphql_query.hpp"

#include <nlohmann/json.hpp>

#include <cctype>

namespace evhil::sim::tariffs::graphql {
namespace {

bool is_name_start(char c) {
    return std::isalpha(static_cast<unsigned char>(c)) || c == '_';
}
bool is_name_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

class Parser {
public:
    Parser(const std::string& text, const nlohmann::json& variables) : text_(text), variables_(variables) {}

    std::vector<Field> document() {
        skip_ignored();
        if (peek() != '{') {
            std::string operation = name();
            if (operation != "query") {
                throw QueryError("Syntax Error: only a query is answered here, not '" + operation + "'");
            }
            skip_ignored();
            if (is_name_start(peek())) {
                name();  // the operation's name
            }
            skip_ignored();
            if (peek() == '(') {
                skip_balanced('(', ')');  // variable definitions: the values come from "variables"
            }
        }
        auto fields = selection_set();
        skip_ignored();
        if (pos_ < text_.size()) {
            throw QueryError("Syntax Error: one query only; unexpected text after it");
        }
        return fields;
    }

private:
    char peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }

    // GraphQL ignores white space, commas and comments between tokens.
    void skip_ignored() {
        while (pos_ < text_.size()) {
            char c = text_[pos_];
            if (c == '#') {
                while (pos_ < text_.size() && text_[pos_] != '\n') {
                    ++pos_;
                }
            } else if (std::isspace(static_cast<unsigned char>(c)) || c == ',') {
                ++pos_;
            } else {
                return;
            }
        }
    }

    void expect(char c) {
        skip_ignored();
        if (peek() != c) {
            throw QueryError(std::string("Syntax Error: expected '") + c + "' at offset " + std::to_string(pos_));
        }
        ++pos_;
    }

    std::string name() {
        skip_ignored();
        if (!is_name_start(peek())) {
            throw QueryError("Syntax Error: expected a name at offset " + std::to_string(pos_));
        }
        std::size_t start = pos_;
        while (is_name_char(peek())) {
            ++pos_;
        }
        return text_.substr(start, pos_ - start);
    }

    void skip_balanced(char open, char close) {
        int depth = 0;
        do {
            char c = peek();
            if (c == '\0') {
                throw QueryError(std::string("Syntax Error: unclosed '") + open + "'");
            }
            if (c == '"') {
                string_value();
                continue;
            }
            depth += c == open ? 1 : (c == close ? -1 : 0);
            ++pos_;
        } while (depth > 0);
    }

    std::string string_value() {
        ++pos_;  // the opening quote
        std::string value;
        while (peek() != '"') {
            if (peek() == '\0' || peek() == '\n') {
                throw QueryError("Syntax Error: unterminated string");
            }
            if (peek() == '\\') {
                ++pos_;
            }
            value += text_[pos_++];
        }
        ++pos_;
        return value;
    }

    std::string value() {
        skip_ignored();
        char c = peek();
        if (c == '$') {
            ++pos_;
            std::string variable = name();
            if (!variables_.is_object() || !variables_.contains(variable)) {
                throw QueryError("Variable \"$" + variable + "\" of required type was not provided.");
            }
            const auto& v = variables_.at(variable);
            return v.is_string() ? v.get<std::string>() : v.dump();
        }
        if (c == '"') {
            return string_value();
        }
        if (c == '[' || c == '{') {
            skip_balanced(c, c == '[' ? ']' : '}');
            return {};  // lists and objects: no argument the simulator reads is one
        }
        std::size_t start = pos_;
        while (is_name_char(peek()) || peek() == '-' || peek() == '.' || peek() == '+') {
            ++pos_;
        }
        if (start == pos_) {
            throw QueryError("Syntax Error: expected a value at offset " + std::to_string(pos_));
        }
        return text_.substr(start, pos_ - start);
    }

    Field field() {
        Field f;
        f.name = name();
        skip_ignored();
        if (peek() == ':') {
            ++pos_;
            f.key = f.name;
            f.name = name();
            skip_ignored();
        } else {
            f.key = f.name;
        }
        if (peek() == '(') {
            ++pos_;
            skip_ignored();
            while (peek() != ')') {
                std::string argument = name();
                expect(':');
                f.arguments[argument] = value();
                skip_ignored();
            }
            ++pos_;
            skip_ignored();
        }
        if (peek() == '@') {
            throw QueryError("Syntax Error: directives are not supported by this simulator");
        }
        if (peek() == '{') {
            f.selections = selection_set();
        }
        return f;
    }

    std::vector<Field> selection_set() {
        expect('{');
        std::vector<Field> fields;
        skip_ignored();
        while (peek() != '}') {
            if (peek() == '.') {
                throw QueryError("Syntax Error: fragments are not supported by this simulator");
            }
            fields.push_back(field());
            skip_ignored();
        }
        ++pos_;
        if (fields.empty()) {
            throw QueryError("Syntax Error: an empty selection set");
        }
        return fields;
    }

    const std::string& text_;
    const nlohmann::json& variables_;
    std::size_t pos_ = 0;
};

}  // namespace

std::vector<Field> parse_query(const std::string& query, const nlohmann::json& variables) {
    return Parser(query, variables).document();
}

}  // namespace evhil::sim::tariffs::graphql

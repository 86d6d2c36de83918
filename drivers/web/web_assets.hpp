#pragma once
// The web UI's files (drivers/web/ui/), embedded in evchargerd at build time by embed_assets.cmake.

#include <string_view>
#include <vector>

namespace evhil::web {

struct WebAsset {
    std::string_view path;  // "/index.html"
    std::string_view body;
};

const std::vector<WebAsset>& web_assets();
// "text/html; charset=utf-8" for .html, and so on; application/octet-stream for anything unknown.
std::string_view content_type_of(std::string_view path);

}  // namespace evhil::web

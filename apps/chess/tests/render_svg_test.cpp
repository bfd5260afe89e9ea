#include "render_svg.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "play_in_turn.hpp"
#include "play_simul.hpp"

namespace chess {
namespace {

using namespace std::chrono_literals;

std::string svg_for(const Exhibition& ex) {
    std::ostringstream out;
    render_svg(out, ex, play_in_turn(ex, {.virtual_time = true}), play_simul(ex, {.virtual_time = true}));
    return out.str();
}

std::size_t occurrences(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
}

// A small well-formedness check: every element closes, in order, and the
// text holds no bare '&' or '<'.
bool balanced(const std::string& xml, std::string& why) {
    std::vector<std::string> open;
    for (std::size_t i = 0; i < xml.size();) {
        if (xml[i] != '<') {
            if (xml[i] == '&') {
                why = "bare & at " + std::to_string(i);
                return false;
            }
            ++i;
            continue;
        }
        auto end = xml.find('>', i);
        if (end == std::string::npos) {
            why = "unclosed tag at " + std::to_string(i);
            return false;
        }
        std::string tag = xml.substr(i + 1, end - i - 1);
        i = end + 1;
        if (tag[0] == '?' || tag[0] == '!') continue;
        if (tag[0] == '/') {
            std::string name = tag.substr(1);
            if (open.empty() || open.back() != name) {
                why = "</" + name + "> closes " + (open.empty() ? "nothing" : open.back());
                return false;
            }
            open.pop_back();
        } else if (tag.back() != '/') {
            open.push_back(tag.substr(0, tag.find_first_of(" \t\n")));
        }
    }
    if (!open.empty()) why = "<" + open.back() + "> never closed";
    return open.empty();
}

TEST(RenderSvg, IsWellFormedXml) {
    std::string svg = svg_for({24, 30, 5s, 55s});
    std::string why;
    EXPECT_TRUE(balanced(svg, why)) << why;
    EXPECT_EQ(svg.rfind("<?xml", 0), 0u);
    EXPECT_NE(svg.find("<svg xmlns=\"http://www.w3.org/2000/svg\""), std::string::npos);

    std::string xmllint = XMLLINT;
    if (xmllint.empty() || xmllint.find("NOTFOUND") != std::string::npos) GTEST_SKIP() << "xmllint not installed";
    char path[] = "/tmp/chess_svg_XXXXXX";
    int fd = mkstemp(path);
    ASSERT_GE(fd, 0);
    { std::ofstream(path) << svg; }
    int status = std::system((xmllint + " --noout " + path).c_str());
    std::remove(path);
    EXPECT_EQ(status, 0);
}

TEST(RenderSvg, DrawsOneRowPerBoardInEachSchedule) {
    std::string svg = svg_for({5, 3, 5s, 55s});
    EXPECT_EQ(occurrences(svg, "<g class=\"schedule\""), 2u);
    EXPECT_EQ(occurrences(svg, "<g class=\"board\""), 2u * 5);
    EXPECT_EQ(occurrences(svg, "data-board=\"5\""), 2u);
    EXPECT_EQ(occurrences(svg, "data-board=\"6\""), 0u);
}

TEST(RenderSvg, LabelsTheTimeAxisWithTheTotals) {
    std::string svg = svg_for({24, 30, 5s, 55s});
    EXPECT_NE(svg.find(">12:00:00<"), std::string::npos);
    EXPECT_NE(svg.find(">1:00:55<"), std::string::npos);
    EXPECT_NE(svg.find(">6:00:00<"), std::string::npos);  // a tick halfway through the 12 hours
}

TEST(RenderSvg, CapsTheRowsAndSaysSoWhenBoardsAreMany) {
    std::string svg = svg_for({100, 2, 1s, 3s});
    EXPECT_EQ(occurrences(svg, "<g class=\"board\""), 2u * kMaxSvgRows);
    EXPECT_NE(svg.find("first 40 of 100 boards drawn"), std::string::npos);
    std::string why;
    EXPECT_TRUE(balanced(svg, why)) << why;
}

}  // namespace
}  // namespace chess

// Making child text safe for JSON.
#include <catch2/catch.hpp>

#include <string>

#include "src/util/utf8.hpp"

using namespace ffleet;

TEST_CASE("utf8: well-formed text, NUL included, is kept as it is") {
  for (std::string s : {std::string(""), std::string("plain ascii"), std::string("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x8e\xa5"),
                        std::string("nul\0inside", 10), std::string("\xf4\x8f\xbf\xbf")}) {
    CHECK(is_valid_utf8(s));
    CHECK(valid_utf8(s) == s);
  }
}

TEST_CASE("utf8: every byte of a broken sequence becomes U+FFFD") {
  const std::string r = "\xEF\xBF\xBD";
  CHECK(valid_utf8("\xff") == r);
  CHECK(valid_utf8("a\x80z") == "a" + r + "z");              // lone continuation
  CHECK(valid_utf8("\xc3") == r);                             // cut short at the end
  CHECK(valid_utf8("\xc3(") == r + "(");                      // bad continuation
  CHECK(valid_utf8("\xc0\xaf") == r + r);                     // overlong
  CHECK(valid_utf8("\xe0\x80\xaf") == r + r + r);             // overlong
  CHECK(valid_utf8("\xed\xa0\x80") == r + r + r);             // surrogate
  CHECK(valid_utf8("\xf4\x90\x80\x80") == r + r + r + r);     // above U+10FFFF
  CHECK_FALSE(is_valid_utf8("\xf5\x80\x80\x80"));
}

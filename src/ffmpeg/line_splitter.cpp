#include "src/ffmpeg/line_splitter.hpp"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace ffleet::detail {

// The splitter's whole cost is this scan, so it looks at 16 bytes at a time
// (SSE2 is part of every x86-64); elsewhere, and for the last bytes, one at a
// time.
const char* find_line_break(const char* p, const char* end) {
#if defined(__SSE2__)
  const __m128i lf = _mm_set1_epi8('\n');
  const __m128i cr = _mm_set1_epi8('\r');
  while (end - p >= 16) {
    __m128i block = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    __m128i hits = _mm_or_si128(_mm_cmpeq_epi8(block, lf), _mm_cmpeq_epi8(block, cr));
    int mask = _mm_movemask_epi8(hits);
    if (mask != 0) return p + __builtin_ctz(static_cast<unsigned>(mask));
    p += 16;
  }
#endif
  for (; p < end; ++p) {
    // Both terminators are below 14: one compare rejects almost every byte.
    unsigned char c = static_cast<unsigned char>(*p);
    if (c <= '\r' && (c == '\n' || c == '\r')) return p;
  }
  return end;
}

}  // namespace ffleet::detail

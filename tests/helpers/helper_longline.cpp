// Writes one line of that many bytes (default 1 MB) with no newline, exits 0.
#include <unistd.h>

#include <cstdlib>
#include <vector>

int main(int argc, char** argv) {
  size_t total = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1u << 20;
  std::vector<char> line(total, 'x');
  size_t off = 0;
  while (off < total) {
    ssize_t w = write(2, line.data() + off, total - off);
    if (w < 0) return 1;
    off += static_cast<size_t>(w);
  }
  return 0;
}

// ffleet's entry point. Until the fleet exists only `ffleet version` works.
#include <cstdio>
#include <cstring>

int main(int argc, char** argv) {
  if (argc >= 2 && std::strcmp(argv[1], "version") == 0) {
    std::printf("ffleet %s\n", FFLEET_VERSION);
    return 0;
  }
  std::fprintf(stderr, "usage: ffleet version\n");
  return 2;
}

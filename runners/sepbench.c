/* runners/sepbench.c — the sepbench command (argument parsing only). */
#include <config.h>

#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
  if (argc > 1 && strcmp(argv[1], "--version") == 0) {
    printf("sepbench %s\n", PACKAGE_VERSION);
    return 0;
  }
  fprintf(stderr, "usage: sepbench COMMAND [OPTIONS]\n");
  return 2;
}

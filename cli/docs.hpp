#pragma once
/// r1's man page and its bash and zsh completions, generated from the settings table that drives
/// --help (cli/settings.cpp), so a flag added there is documented and completed everywhere at once.
#include <string>
#include <string_view>

namespace r1::cli {

/// `r1 man`: the page in roff (man(7) macros), for `man -l -` or share/man/man1/r1.1.
std::string man_page();

/// `r1 completion bash|zsh`; "" for another shell.
std::string completion_script(std::string_view shell);

}  // namespace r1::cli

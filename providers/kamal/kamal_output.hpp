#pragma once
/// What `kamal deploy` printed, read from its stdout: kamal prints its errors there, not on stderr
/// (bin/kamal: `puts "  ERROR (#{e.class}): #{e.message}"`, in red, then exit 1). Pure.
#include <string>
#include <string_view>

namespace r1::providers::kamal {

struct kamal_report {
    std::string error_class;    // "Kamal::Cli::LockError", "SSHKit::Command::Failed", ...
    std::string error_message;  // what follows "ERROR (...): " on that line
    bool lock_held = false;     // the deploy lock stopped it (Kamal::Cli::LockError)
    std::string lock_holder;    // kamal's lock details: "Locked by: NAME at TIME; Version: V; Message: M"
    bool finished = false;      // "Finished all in N seconds" (printed however the deploy ended)
};

/// Reads kamal's stdout (ANSI colours and CR allowed). The last ERROR line wins: it is the one that
/// ended the run. A held lock is kamal's LockError (lib/kamal/cli.rb), raised by raise_if_locked
/// after "Deploy lock already in place!" and the lock's details (lib/kamal/cli/base.rb,
/// lib/kamal/commands/lock.rb: "Locked by: ... at ...", "Version: ...", "Message: ..."), or by
/// --lock-wait when it gives up or the lock was taken by hand.
kamal_report read_kamal_output(std::string_view out);

}  // namespace r1::providers::kamal

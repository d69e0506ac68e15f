# fish completion for jit: `jit completion fish > ~/.config/fish/completions/jit.fish`.
# Generated from jit's command definitions. Role names and grant ids come from a cache file jit writes
# after each command: no broker, no network.

function __jit_cached
    set -l file "$__jit_state_dir/completion-cache"
    test -r "$file"; or return 0
    string replace -rf "^$argv[1] " '' <$file
end

# fish has no ${VAR:-default}: the state dir is worked out once, as jit works it out.
if set -q JIT_STATE_DIR[1]; and test -n "$JIT_STATE_DIR"
    set -g __jit_state_dir $JIT_STATE_DIR
else if set -q XDG_STATE_HOME[1]; and test -n "$XDG_STATE_HOME"
    set -g __jit_state_dir $XDG_STATE_HOME/jit
else
    set -g __jit_state_dir $HOME/.local/state/jit
end

complete -c jit -f
complete -c jit -n '__fish_use_subcommand' -f -a elevate -d 'open a subshell with a short-lived credential; revoked when the shell exits'
complete -c jit -n '__fish_use_subcommand' -f -a exec -d 'run one command with a short-lived credential; revoked when it exits'
complete -c jit -n '__fish_use_subcommand' -f -a status -d 'show the current session and your live grants'
complete -c jit -n '__fish_use_subcommand' -f -a revoke -d 'revoke a grant now (default: the current session)'
complete -c jit -n '__fish_use_subcommand' -f -a roles -d 'list the roles you may request, with their TTLs and ticket checks'
complete -c jit -n '__fish_use_subcommand' -f -a requests -d 'requests that wait for approvals: those you may decide, and yours (with a team broker)'
complete -c jit -n '__fish_use_subcommand' -f -a approve -d 'approve someone else\'s request (shows it and asks first on a terminal)'
complete -c jit -n '__fish_use_subcommand' -f -a deny -d 'deny someone else\'s request, saying why'
complete -c jit -n '__fish_use_subcommand' -f -a audit -d 'show the audit trail, prove it, or list standing access'
complete -c jit -n '__fish_use_subcommand' -f -a login -d 'log in to the team broker in config.yaml with its OpenID provider: in a browser on this machine at a desktop, else with a code to confirm in any browser (--device)'
complete -c jit -n '__fish_use_subcommand' -f -a whoami -d 'who the team broker takes you for: your name and groups as your login proves them'
complete -c jit -n '__fish_use_subcommand' -f -a logout -d 'forget your login: removes its tokens from the keychain and revokes the refresh token at the provider'
complete -c jit -n '__fish_use_subcommand' -f -a serve -d 'run the team broker: the /v1 API for operators who log in with OIDC (see README, "Running a team broker")'
complete -c jit -n '__fish_use_subcommand' -f -a secret -d 'keep an issuer’s secret (a database admin connection, an SSH CA key) in the OS keychain, for the policy to name as keychain:NAME'
complete -c jit -n '__fish_use_subcommand' -f -a init -d 'write an editable config and policy to the config dir'
complete -c jit -n '__fish_use_subcommand' -f -a doctor -d 'check the keychain, state dir, policy, clock, backend and shell set-up; say how to fix each'
complete -c jit -n '__fish_use_subcommand' -f -a completion -d 'print shell completions for jit (commands, flags, roles and grant ids from a local cache)'
complete -c jit -n '__fish_use_subcommand' -f -a prompt -d 'print the prompt segment (role and time left) for your shell; it starts no process per prompt'
complete -c jit -n '__fish_use_subcommand' -s V -l version -d 'output the version number'
complete -c jit -n '__fish_use_subcommand' -s h -l help -d 'show help for this command'
complete -c jit -n '__fish_seen_subcommand_from elevate' -s t -l ticket -r -f -d 'the ticket this task belongs to, e.g. OPS-123'
complete -c jit -n '__fish_seen_subcommand_from elevate' -s r -l role -r -f -a '(__jit_cached role)' -d 'the role to request (see `jit roles`)'
complete -c jit -n '__fish_seen_subcommand_from elevate' -l ttl -r -f -a '15m 30m 1h 2h' -d 'how long the grant lives, e.g. 15m or 1h30m (bounded by the role)'
complete -c jit -n '__fish_seen_subcommand_from elevate' -l reason -r -f -d 'why you need it; recorded in the audit'
complete -c jit -n '__fish_seen_subcommand_from elevate' -l no-input -d 'never ask: fail with exit 64 naming a missing flag (the default off a terminal and under CI)'
complete -c jit -n '__fish_seen_subcommand_from elevate' -l shell -r -F -d 'the shell to start (default: $SHELL, else /bin/sh)'
complete -c jit -n '__fish_seen_subcommand_from elevate' -l no-wait -d 'leave at once if the role needs approvals: exit 75, the request id on stdout'
complete -c jit -n '__fish_seen_subcommand_from elevate' -l request -r -f -d 'pick up the grant of a request made earlier, once approved (alone: no --ticket or --role)'
complete -c jit -n '__fish_seen_subcommand_from elevate' -l no-prompt -d 'do not add the role and time left to the subshell\'s prompt (config: prompt: false)'
complete -c jit -n '__fish_seen_subcommand_from elevate' -s h -l help -d 'show help for this command'
complete -c jit -n '__fish_seen_subcommand_from exec' -s t -l ticket -r -f -d 'the ticket this task belongs to, e.g. OPS-123'
complete -c jit -n '__fish_seen_subcommand_from exec' -s r -l role -r -f -a '(__jit_cached role)' -d 'the role to request (see `jit roles`)'
complete -c jit -n '__fish_seen_subcommand_from exec' -l ttl -r -f -a '15m 30m 1h 2h' -d 'how long the grant lives, e.g. 15m or 1h30m (bounded by the role)'
complete -c jit -n '__fish_seen_subcommand_from exec' -l reason -r -f -d 'why you need it; recorded in the audit'
complete -c jit -n '__fish_seen_subcommand_from exec' -l no-input -d 'never ask: fail with exit 64 naming a missing flag (the default off a terminal and under CI)'
complete -c jit -n '__fish_seen_subcommand_from exec' -l wait -r -f -a '15m 30m 1h 2h' -d 'for a role with approvals: how long to wait for them before exiting 75 (default: until the request expires)'
complete -c jit -n '__fish_seen_subcommand_from exec' -s h -l help -d 'show help for this command'
complete -c jit -n '__fish_seen_subcommand_from exec' -F -a "(__fish_complete_subcommand)"
complete -c jit -n '__fish_seen_subcommand_from status' -l json -d 'machine-readable output'
complete -c jit -n '__fish_seen_subcommand_from status' -l prompt -d 'print only "ROLE TIME-LEFT" for a shell prompt (no broker, no network)'
complete -c jit -n '__fish_seen_subcommand_from status' -s h -l help -d 'show help for this command'
complete -c jit -n '__fish_seen_subcommand_from revoke' -l all -d 'revoke all your live grants (asks first on a terminal)'
complete -c jit -n '__fish_seen_subcommand_from revoke' -s y -l yes -d 'do not ask before revoking --all'
complete -c jit -n '__fish_seen_subcommand_from revoke' -l no-input -d 'never ask (the default off a terminal and under CI)'
complete -c jit -n '__fish_seen_subcommand_from revoke' -l json -d 'machine-readable output'
complete -c jit -n '__fish_seen_subcommand_from revoke' -s h -l help -d 'show help for this command'
complete -c jit -n '__fish_seen_subcommand_from revoke' -f -a '(__jit_cached grant)'
complete -c jit -n '__fish_seen_subcommand_from roles' -l json -d 'machine-readable output'
complete -c jit -n '__fish_seen_subcommand_from roles' -s h -l help -d 'show help for this command'
complete -c jit -n '__fish_seen_subcommand_from requests' -l pending -d 'only those that still wait (default: also those of the last day, however they ended)'
complete -c jit -n '__fish_seen_subcommand_from requests' -l json -d 'machine-readable output'
complete -c jit -n '__fish_seen_subcommand_from requests' -s h -l help -d 'show help for this command'
complete -c jit -n '__fish_seen_subcommand_from approve' -l reason -r -f -d 'why; recorded in the audit'
complete -c jit -n '__fish_seen_subcommand_from approve' -s y -l yes -d 'do not ask before approving'
complete -c jit -n '__fish_seen_subcommand_from approve' -l no-input -d 'never ask (the default off a terminal and under CI)'
complete -c jit -n '__fish_seen_subcommand_from approve' -l json -d 'machine-readable output'
complete -c jit -n '__fish_seen_subcommand_from approve' -s h -l help -d 'show help for this command'
complete -c jit -n '__fish_seen_subcommand_from approve' -f
complete -c jit -n '__fish_seen_subcommand_from deny' -l reason -r -f -d 'why; shown to the requester and recorded (asked for on a terminal)'
complete -c jit -n '__fish_seen_subcommand_from deny' -l no-input -d 'never ask: fail with exit 64 if --reason is missing (the default off a terminal and under CI)'
complete -c jit -n '__fish_seen_subcommand_from deny' -l json -d 'machine-readable output'
complete -c jit -n '__fish_seen_subcommand_from deny' -s h -l help -d 'show help for this command'
complete -c jit -n '__fish_seen_subcommand_from deny' -f
complete -c jit -n '__fish_seen_subcommand_from audit; and not __fish_seen_subcommand_from verify export standing' -f -a verify -d 'prove the hash chain, its signed checkpoints and the anchor; with a team broker, prove its published chain here, against the key and head this workstation saw before; exit 1 naming the first bad event'
complete -c jit -n '__fish_seen_subcommand_from audit; and not __fish_seen_subcommand_from verify export standing' -f -a export -d 'write the events and signed checkpoints as JSON Lines, for a SIEM or safekeeping'
complete -c jit -n '__fish_seen_subcommand_from audit; and not __fish_seen_subcommand_from verify export standing' -f -a standing -d 'list grants past their end without a verified revocation (should be empty); exit 1 if any'
complete -c jit -n '__fish_seen_subcommand_from audit; and not __fish_seen_subcommand_from verify export standing' -l grant -r -f -a '(__jit_cached grant)' -d 'only events of this grant'
complete -c jit -n '__fish_seen_subcommand_from audit; and not __fish_seen_subcommand_from verify export standing' -l ticket -r -f -d 'only events of this ticket'
complete -c jit -n '__fish_seen_subcommand_from audit; and not __fish_seen_subcommand_from verify export standing' -l json -d 'machine-readable output'
complete -c jit -n '__fish_seen_subcommand_from audit; and not __fish_seen_subcommand_from verify export standing' -s h -l help -d 'show help for this command'
complete -c jit -n '__fish_seen_subcommand_from audit; and __fish_seen_subcommand_from verify' -l export -r -f -d 'also prove that the chain still holds this earlier `jit audit export`, unchanged'
complete -c jit -n '__fish_seen_subcommand_from audit; and __fish_seen_subcommand_from verify' -l json -d 'machine-readable output'
complete -c jit -n '__fish_seen_subcommand_from audit; and __fish_seen_subcommand_from verify' -s h -l help -d 'show help for this command'
complete -c jit -n '__fish_seen_subcommand_from audit; and __fish_seen_subcommand_from export' -l since -r -f -d 'only events after this sequence number'
complete -c jit -n '__fish_seen_subcommand_from audit; and __fish_seen_subcommand_from export' -s h -l help -d 'show help for this command'
complete -c jit -n '__fish_seen_subcommand_from audit; and __fish_seen_subcommand_from standing' -l json -d 'machine-readable output'
complete -c jit -n '__fish_seen_subcommand_from audit; and __fish_seen_subcommand_from standing' -s h -l help -d 'show help for this command'
complete -c jit -n '__fish_seen_subcommand_from login' -l browser -d 'a browser on this machine: authorization code + PKCE, back to jit on 127.0.0.1'
complete -c jit -n '__fish_seen_subcommand_from login' -l device -d 'a code to confirm in a browser on any device (the device flow): over SSH, on a server'
complete -c jit -n '__fish_seen_subcommand_from login' -s h -l help -d 'show help for this command'
complete -c jit -n '__fish_seen_subcommand_from whoami' -l json -d 'machine-readable output'
complete -c jit -n '__fish_seen_subcommand_from whoami' -s h -l help -d 'show help for this command'
complete -c jit -n '__fish_seen_subcommand_from logout' -s h -l help -d 'show help for this command'
complete -c jit -n '__fish_seen_subcommand_from serve' -l config -r -f -d 'the broker config (default: broker.yaml in the config dir)'
complete -c jit -n '__fish_seen_subcommand_from serve' -l listen -r -f -d 'host:port to serve on, instead of the config\'s listen'
complete -c jit -n '__fish_seen_subcommand_from serve' -l tls-cert -r -f -d 'PEM certificate, instead of the config\'s tls.cert (give --tls-key too)'
complete -c jit -n '__fish_seen_subcommand_from serve' -l tls-key -r -f -d 'PEM private key, instead of the config\'s tls.key'
complete -c jit -n '__fish_seen_subcommand_from serve' -l check -d 'validate the config, policy, TLS files and store, then exit without serving'
complete -c jit -n '__fish_seen_subcommand_from serve' -s h -l help -d 'show help for this command'
complete -c jit -n '__fish_seen_subcommand_from secret; and not __fish_seen_subcommand_from set remove' -f -a set -d 'store a secret: the value from stdin, or asked for without echo on a terminal (never an argument)'
complete -c jit -n '__fish_seen_subcommand_from secret; and not __fish_seen_subcommand_from set remove' -f -a remove -d 'remove a secret from the keychain'
complete -c jit -n '__fish_seen_subcommand_from secret; and not __fish_seen_subcommand_from set remove' -s h -l help -d 'show help for this command'
complete -c jit -n '__fish_seen_subcommand_from secret; and __fish_seen_subcommand_from set' -s h -l help -d 'show help for this command'
complete -c jit -n '__fish_seen_subcommand_from secret; and __fish_seen_subcommand_from set' -f
complete -c jit -n '__fish_seen_subcommand_from secret; and __fish_seen_subcommand_from remove' -s h -l help -d 'show help for this command'
complete -c jit -n '__fish_seen_subcommand_from secret; and __fish_seen_subcommand_from remove' -f
complete -c jit -n '__fish_seen_subcommand_from init' -l force -d 'overwrite existing files'
complete -c jit -n '__fish_seen_subcommand_from init' -s h -l help -d 'show help for this command'
complete -c jit -n '__fish_seen_subcommand_from doctor' -l json -d 'machine-readable output'
complete -c jit -n '__fish_seen_subcommand_from doctor' -s h -l help -d 'show help for this command'
complete -c jit -n '__fish_seen_subcommand_from completion' -s h -l help -d 'show help for this command'
complete -c jit -n '__fish_seen_subcommand_from completion' -f -a 'bash zsh fish'
complete -c jit -n '__fish_seen_subcommand_from prompt' -s h -l help -d 'show help for this command'
complete -c jit -n '__fish_seen_subcommand_from prompt' -f -a 'bash zsh fish'

#compdef jit
# zsh completion for jit: `jit completion zsh > "${fpath[1]}/_jit"`, or `eval "$(jit completion zsh)"`
# in ~/.zshrc after compinit. Generated from jit's command definitions. Role names and grant ids come
# from a cache file jit writes after each command: no broker, no network.

__jit_cached() {
  local file="${JIT_STATE_DIR:-${XDG_STATE_HOME:-$HOME/.local/state}/jit}/completion-cache"
  [[ -r $file ]] || return 1
  reply=(${${(M)${(f)"$(<$file)"}:#$1 *}#$1 })
}
__jit_roles() { local -a reply; __jit_cached role && compadd -a reply; }
__jit_grants() { local -a reply; __jit_cached grant && compadd -a reply; }

_jit() {
  local curcontext=$curcontext state line ret=1
  _arguments -C -s \
    '(-V --version)'{-V,--version}'[output the version number]' \
    '(-h --help)'{-h,--help}'[show help for this command]' \
    '1: :->command' \
    '*:: :->args' && ret=0
  case $state in
    command) local -a commands=('elevate:open a subshell with a short-lived credential; revoked when the shell exits' 'exec:run one command with a short-lived credential; revoked when it exits' 'status:show the current session and your live grants' 'revoke:revoke a grant now (default: the current session)' 'extend:make a live grant end later: a fresh decision (policy, ticket, approvals), never past the role'\''s maximum (default: the current session)' 'roles:list the roles you may request, with their TTLs and ticket checks' 'requests:requests that wait for approvals: those you may decide, and yours (with a team broker)' 'approve:approve someone else'\''s request (shows it and asks first on a terminal)' 'deny:deny someone else'\''s request, saying why' 'break-glass:emergency access without an approver or a ticket, for roles that allow it: short, announced to others, and reviewed after (team broker)' 'review:close the review of a break-glass use that has ended (its role'\''s reviewers; never the one who used it)' 'audit:show the audit trail, prove it, or list standing access' 'login:log in to the team broker in config.yaml with its OpenID provider: in a browser on this machine at a desktop, else with a code to confirm in any browser (--device)' 'whoami:who the team broker takes you for: your name and groups as your login proves them' 'logout:forget your login: removes its tokens from the keychain and revokes the refresh token at the provider' 'serve:run the team broker: the /v1 API for operators who log in with OIDC (see README, "Running a team broker")' 'secret:keep an issuer’s secret (a database admin connection, an SSH CA key) in the OS keychain, for the policy to name as keychain:NAME' 'init:write an editable config and policy to the config dir' 'doctor:check the keychain, state dir, policy, clock, backend and shell set-up; say how to fix each' 'completion:print shell completions for jit (commands, flags, roles and grant ids from a local cache)' 'prompt:print the prompt segment (role and time left) for your shell; it starts no process per prompt'); _describe -t commands command commands && ret=0 ;;
    args) (( $+functions[_jit__$words[1]] )) && _jit__$words[1] && ret=0 ;;
  esac
  return ret
}

_jit__elevate() {
  local curcontext=$curcontext state line ret=1
  _arguments -C -s \
    '(-t --ticket)'{-t,--ticket}'[the ticket this task belongs to, e.g. OPS-123]:value: ' \
    '(-r --role)'{-r,--role}'[the role to request (see `jit roles`)]:role:__jit_roles' \
    '--ttl[how long the grant lives, e.g. 15m or 1h30m (bounded by the role)]:duration:(15m 30m 1h 2h)' \
    '--reason[why you need it; recorded in the audit]:value: ' \
    '--no-input[never ask\: fail with exit 64 naming a missing flag (the default off a terminal and under CI)]' \
    '--identity-token-file[in CI, with a team broker\: the OIDC identity token file that proves this job (a Kubernetes projected token), re-read on every call; as JIT_IDENTITY_TOKEN_FILE]:value: ' \
    '--shell[the shell to start (default\: $SHELL, else /bin/sh)]:file:_files' \
    '--no-wait[leave at once if the role needs approvals\: exit 75, the request id on stdout]' \
    '--request[pick up the grant of a request made earlier, once approved (alone\: no --ticket or --role)]:value: ' \
    '--no-prompt[do not add the role and time left to the subshell'\''s prompt (config\: prompt\: false)]' \
    '(-h --help)'{-h,--help}'[show help for this command]' && ret=0
  return ret
}

_jit__exec() {
  local curcontext=$curcontext state line ret=1
  _arguments -C -s \
    '(-t --ticket)'{-t,--ticket}'[the ticket this task belongs to, e.g. OPS-123]:value: ' \
    '(-r --role)'{-r,--role}'[the role to request (see `jit roles`)]:role:__jit_roles' \
    '--ttl[how long the grant lives, e.g. 15m or 1h30m (bounded by the role)]:duration:(15m 30m 1h 2h)' \
    '--reason[why you need it; recorded in the audit]:value: ' \
    '--no-input[never ask\: fail with exit 64 naming a missing flag (the default off a terminal and under CI)]' \
    '--identity-token-file[in CI, with a team broker\: the OIDC identity token file that proves this job (a Kubernetes projected token), re-read on every call; as JIT_IDENTITY_TOKEN_FILE]:value: ' \
    '--wait[for a role with approvals\: how long to wait for them before exiting 75 (default\: until the request expires)]:duration:(15m 30m 1h 2h)' \
    '(-h --help)'{-h,--help}'[show help for this command]' \
    '*:: :_normal' && ret=0
  return ret
}

_jit__status() {
  local curcontext=$curcontext state line ret=1
  _arguments -C -s \
    '--json[machine-readable output]' \
    '--prompt[print only "ROLE TIME-LEFT" for a shell prompt (no broker, no network)]' \
    '(-h --help)'{-h,--help}'[show help for this command]' && ret=0
  return ret
}

_jit__revoke() {
  local curcontext=$curcontext state line ret=1
  _arguments -C -s \
    '--all[revoke all your live grants (asks first on a terminal)]' \
    '(-y --yes)'{-y,--yes}'[do not ask before revoking --all]' \
    '--no-input[never ask (the default off a terminal and under CI)]' \
    '--json[machine-readable output]' \
    '(-h --help)'{-h,--help}'[show help for this command]' \
    '1:grant id:__jit_grants' && ret=0
  return ret
}

_jit__extend() {
  local curcontext=$curcontext state line ret=1
  _arguments -C -s \
    '--by[how much longer, e.g. 15m or 1h]:value: ' \
    '--reason[why; recorded, and shown to approvers]:value: ' \
    '--wait[for a role that needs approvals\: wait at most this long (default\: until the renewal expires)]:duration:(15m 30m 1h 2h)' \
    '--no-wait[for a role that needs approvals\: exit 75 at once, printing the renewal id]' \
    '--request[apply a renewal its approvers approved after you stopped waiting]:value: ' \
    '--json[machine-readable output]' \
    '(-h --help)'{-h,--help}'[show help for this command]' \
    '1:grant id:__jit_grants' && ret=0
  return ret
}

_jit__roles() {
  local curcontext=$curcontext state line ret=1
  _arguments -C -s \
    '--json[machine-readable output]' \
    '(-h --help)'{-h,--help}'[show help for this command]' && ret=0
  return ret
}

_jit__requests() {
  local curcontext=$curcontext state line ret=1
  _arguments -C -s \
    '--pending[only those that still wait (default\: also those of the last day, however they ended)]' \
    '--json[machine-readable output]' \
    '(-h --help)'{-h,--help}'[show help for this command]' && ret=0
  return ret
}

_jit__approve() {
  local curcontext=$curcontext state line ret=1
  _arguments -C -s \
    '--reason[why; recorded in the audit]:value: ' \
    '(-y --yes)'{-y,--yes}'[do not ask before approving]' \
    '--no-input[never ask (the default off a terminal and under CI)]' \
    '--json[machine-readable output]' \
    '(-h --help)'{-h,--help}'[show help for this command]' \
    '1:value: ' && ret=0
  return ret
}

_jit__deny() {
  local curcontext=$curcontext state line ret=1
  _arguments -C -s \
    '--reason[why; shown to the requester and recorded (asked for on a terminal)]:value: ' \
    '--no-input[never ask\: fail with exit 64 if --reason is missing (the default off a terminal and under CI)]' \
    '--json[machine-readable output]' \
    '(-h --help)'{-h,--help}'[show help for this command]' \
    '1:value: ' && ret=0
  return ret
}

_jit__break_glass() {
  local curcontext=$curcontext state line ret=1
  _arguments -C -s \
    '(-r --role)'{-r,--role}'[the role to take]:role:__jit_roles' \
    '--reason[what is on fire\: your reviewers read it]:value: ' \
    '--incident[the incident it is for, as your incident tool names it (recorded as the ticket)]:value: ' \
    '--shell[the shell to start (default\: $SHELL, else /bin/sh)]:file:_files' \
    '--no-prompt[do not add the role and time left to the subshell'\''s prompt]' \
    '(-h --help)'{-h,--help}'[show help for this command]' && ret=0
  return ret
}

_jit__review() {
  local curcontext=$curcontext state line ret=1
  _arguments -C -s \
    '--note[what the review found; recorded in the audit]:value: ' \
    '--json[machine-readable output]' \
    '(-h --help)'{-h,--help}'[show help for this command]' \
    '1:grant id:__jit_grants' && ret=0
  return ret
}

_jit__audit() {
  local curcontext=$curcontext state line ret=1
  _arguments -C -s \
    '--grant[only events of this grant]:grant id:__jit_grants' \
    '--ticket[only events of this ticket]:value: ' \
    '--break-glass[the last 90 days'\'' break-glass uses and whether each was reviewed]' \
    '--json[machine-readable output]' \
    '(-h --help)'{-h,--help}'[show help for this command]' \
    '1: :->command' \
    '*:: :->args' && ret=0
  case $state in
    command) local -a commands=('verify:prove the hash chain, its signed checkpoints and the anchor; with a team broker, prove its published chain here, against the key and head this workstation saw before; exit 1 naming the first bad event' 'export:write the events and signed checkpoints as JSON Lines, for a SIEM or safekeeping' 'standing:list grants past their end without a verified revocation (should be empty); exit 1 if any'); _describe -t commands command commands && ret=0 ;;
    args) (( $+functions[_jit__audit__$words[1]] )) && _jit__audit__$words[1] && ret=0 ;;
  esac
  return ret
}

_jit__audit__verify() {
  local curcontext=$curcontext state line ret=1
  _arguments -C -s \
    '--export[also prove that the chain still holds this earlier `jit audit export`, unchanged]:value: ' \
    '--json[machine-readable output]' \
    '(-h --help)'{-h,--help}'[show help for this command]' && ret=0
  return ret
}

_jit__audit__export() {
  local curcontext=$curcontext state line ret=1
  _arguments -C -s \
    '--since[only events after this sequence number]:value: ' \
    '(-h --help)'{-h,--help}'[show help for this command]' && ret=0
  return ret
}

_jit__audit__standing() {
  local curcontext=$curcontext state line ret=1
  _arguments -C -s \
    '--json[machine-readable output]' \
    '(-h --help)'{-h,--help}'[show help for this command]' && ret=0
  return ret
}

_jit__login() {
  local curcontext=$curcontext state line ret=1
  _arguments -C -s \
    '--browser[a browser on this machine\: authorization code + PKCE, back to jit on 127.0.0.1]' \
    '--device[a code to confirm in a browser on any device (the device flow)\: over SSH, on a server]' \
    '(-h --help)'{-h,--help}'[show help for this command]' && ret=0
  return ret
}

_jit__whoami() {
  local curcontext=$curcontext state line ret=1
  _arguments -C -s \
    '--json[machine-readable output]' \
    '(-h --help)'{-h,--help}'[show help for this command]' && ret=0
  return ret
}

_jit__logout() {
  local curcontext=$curcontext state line ret=1
  _arguments -C -s \
    '(-h --help)'{-h,--help}'[show help for this command]' && ret=0
  return ret
}

_jit__serve() {
  local curcontext=$curcontext state line ret=1
  _arguments -C -s \
    '--config[the broker config (default\: broker.yaml in the config dir)]:value: ' \
    '--listen[host\:port to serve on, instead of the config'\''s listen]:value: ' \
    '--tls-cert[PEM certificate, instead of the config'\''s tls.cert (give --tls-key too)]:value: ' \
    '--tls-key[PEM private key, instead of the config'\''s tls.key]:value: ' \
    '--check[validate the config, policy, TLS files and store, then exit without serving]' \
    '(-h --help)'{-h,--help}'[show help for this command]' && ret=0
  return ret
}

_jit__secret() {
  local curcontext=$curcontext state line ret=1
  _arguments -C -s \
    '(-h --help)'{-h,--help}'[show help for this command]' \
    '1: :->command' \
    '*:: :->args' && ret=0
  case $state in
    command) local -a commands=('set:store a secret: the value from stdin, or asked for without echo on a terminal (never an argument)' 'remove:remove a secret from the keychain'); _describe -t commands command commands && ret=0 ;;
    args) (( $+functions[_jit__secret__$words[1]] )) && _jit__secret__$words[1] && ret=0 ;;
  esac
  return ret
}

_jit__secret__set() {
  local curcontext=$curcontext state line ret=1
  _arguments -C -s \
    '(-h --help)'{-h,--help}'[show help for this command]' \
    '1:value: ' && ret=0
  return ret
}

_jit__secret__remove() {
  local curcontext=$curcontext state line ret=1
  _arguments -C -s \
    '(-h --help)'{-h,--help}'[show help for this command]' \
    '1:value: ' && ret=0
  return ret
}

_jit__init() {
  local curcontext=$curcontext state line ret=1
  _arguments -C -s \
    '--force[overwrite existing files]' \
    '(-h --help)'{-h,--help}'[show help for this command]' && ret=0
  return ret
}

_jit__doctor() {
  local curcontext=$curcontext state line ret=1
  _arguments -C -s \
    '--json[machine-readable output]' \
    '(-h --help)'{-h,--help}'[show help for this command]' && ret=0
  return ret
}

_jit__completion() {
  local curcontext=$curcontext state line ret=1
  _arguments -C -s \
    '(-h --help)'{-h,--help}'[show help for this command]' \
    '1:shell:(bash zsh fish)' && ret=0
  return ret
}

_jit__prompt() {
  local curcontext=$curcontext state line ret=1
  _arguments -C -s \
    '(-h --help)'{-h,--help}'[show help for this command]' \
    '1:shell:(bash zsh fish)' && ret=0
  return ret
}

if [[ $zsh_eval_context[-1] == loadautofunc ]]; then
  _jit "$@"
else
  compdef _jit jit
fi

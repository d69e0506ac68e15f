# jit prompt segment for bash 5+: `eval "$(jit prompt bash)"` in ~/.bashrc.
#
# Reads only JIT_* variables, bash's own clock (EPOCHSECONDS) and, after `jit extend`, the session's end
# from $JIT_EXPIRES_FILE (with the read builtin, exported as JIT_EXPIRES_AT): no process is started per prompt.
#   jit_prompt_info        prints the segment: "prod-db-admin 25m", "45s" under a minute, "expired" after,
#                          "BREAK-GLASS prod-db-admin 9m" in a break-glass session; nothing outside a jit
#                          session. Red under 5 minutes and in break-glass, unless NO_COLOR is set.
#   __jit_prompt_precmd    (in PROMPT_COMMAND) sets $jit_prompt to the same text, and warns once at
#                          10 and at 2 minutes left. Use ${jit_prompt} in PS1: a $(…) would fork.
# Example: PS1='${jit_prompt:+[$jit_prompt] }\u@\h:\w\$ '

# A renewal moved the session's end: jit wrote it to JIT_EXPIRES_FILE. -f first: a FIFO would block the prompt.
__jit_prompt_follow_end() {
  [[ -n ${JIT_EXPIRES_FILE-} && -f $JIT_EXPIRES_FILE ]] || return 0
  local end=
  read -r end 2>/dev/null <"$JIT_EXPIRES_FILE"
  [[ -n $end && $end != *[!0-9]* && ${#end} -le 12 && $end != "${JIT_EXPIRES_AT-}" ]] && export JIT_EXPIRES_AT=$end
  return 0
}

__jit_prompt_segment() {
  jit_prompt=
  __jit_prompt_follow_end
  # Globs, not =~: bash compiles a regex on every call, and this runs on every prompt.
  [[ -n ${JIT_SESSION-} && -n ${JIT_EXPIRES_AT-} && $JIT_EXPIRES_AT != *[!0-9]* && ${#JIT_EXPIRES_AT} -le 12 ]] || return 0
  local left=$((10#$JIT_EXPIRES_AT - EPOCHSECONDS)) text role=$JIT_ROLE
  if ((left <= 0)); then
    text=expired
  elif ((left < 60)); then
    text=${left}s
  else
    text=$((left / 60))m
  fi
  # The role came from the environment: only its plain characters reach the terminal.
  [[ $role == *[!a-zA-Z0-9_.-]* ]] && role=${role//[!a-zA-Z0-9_.-]/?}
  text="$role $text"
  # Break-glass says so in every prompt, in red.
  [[ ${JIT_BREAKGLASS-} == 1 ]] && text="BREAK-GLASS $text"
  if { ((left < 300)) || [[ ${JIT_BREAKGLASS-} == 1 ]]; } && [[ -z ${NO_COLOR-} ]]; then
    # \001 and \002 tell readline the colour codes take no room on the line.
    text=$'\001\e[31m\002'"$text"$'\001\e[0m\002'
  fi
  jit_prompt=$text
}

jit_prompt_info() {
  __jit_prompt_segment
  printf '%s' "$jit_prompt"
}

__jit_prompt_precmd() {
  __jit_prompt_segment
  [[ -n $jit_prompt ]] || return 0
  local left=$((JIT_EXPIRES_AT - EPOCHSECONDS)) mark when
  if ((left > 0 && left <= 120)); then
    mark=2
  elif ((left > 120 && left <= 600)); then
    mark=10
  else
    return 0
  fi
  # Once per end: a session extended past a mark is warned again as it nears its new end.
  [[ ${__jit_prompt_warned-} == "$JIT_SESSION:$JIT_EXPIRES_AT:$mark" ]] && return 0
  __jit_prompt_warned="$JIT_SESSION:$JIT_EXPIRES_AT:$mark"
  when=$((left / 60))m
  ((left < 60)) && when=${left}s
  printf 'jit: %s left in this session (%s, %s); it ends at the TTL unless you run jit extend\n' "$when" "${JIT_ROLE//[^a-zA-Z0-9_.-]/?}" "${JIT_TICKET//[^!-~]/?}" >&2
}

# Adds the hook once (PROMPT_COMMAND may be a string or, in bash 5.1+, an array) and, when asked,
# puts the segment in front of PS1.
__jit_prompt_install() {
  if [[ ${PROMPT_COMMAND@a} == *a* ]]; then
    [[ " ${PROMPT_COMMAND[*]} " == *" __jit_prompt_precmd "* ]] || PROMPT_COMMAND+=(__jit_prompt_precmd)
  elif [[ ${PROMPT_COMMAND-} != *__jit_prompt_precmd* ]]; then
    PROMPT_COMMAND="__jit_prompt_precmd${PROMPT_COMMAND:+; $PROMPT_COMMAND}"
  fi
  if [[ ${1-} == --ps1 && $PS1 != *'$jit_prompt'* ]]; then
    PS1='${jit_prompt:+($jit_prompt) }'"$PS1"
  fi
}
__jit_prompt_install

# jit prompt segment for fish: `jit prompt fish | source` in ~/.config/fish/config.fish.
#
#   jit_prompt_info   prints the segment: "prod-db-admin 25m", "45s" under a minute, "expired" after,
#                     "BREAK-GLASS prod-db-admin 9m" in a break-glass session; nothing outside a jit
#                     session. Red under 5 minutes and in break-glass, unless NO_COLOR is set.
# Reads only JIT_* variables and, after `jit extend`, the session's end from $JIT_EXPIRES_FILE (with the
# read builtin, exported as JIT_EXPIRES_AT). fish has no built-in clock, so outside a session it starts
# no process and inside one it asks `date +%s` once per prompt.
# Example, in your fish_prompt:  echo -n (jit_prompt_info)' '

# A renewal moved the session's end: jit wrote it to JIT_EXPIRES_FILE. -f first: a FIFO would block the prompt.
function __jit_prompt_follow_end
    set -q JIT_EXPIRES_FILE; and test -f "$JIT_EXPIRES_FILE"; or return 0
    read -l end <"$JIT_EXPIRES_FILE" 2>/dev/null; or return 0
    string match -qr '^[0-9]{1,12}$' -- "$end"; and test "$end" != "$JIT_EXPIRES_AT"; and set -gx JIT_EXPIRES_AT $end
    return 0
end

function __jit_prompt_left
    set -q JIT_SESSION; or return 1
    __jit_prompt_follow_end
    string match -qr '^[0-9]{1,12}$' -- "$JIT_EXPIRES_AT"; or return 1
    math "$JIT_EXPIRES_AT - $(date +%s)"
end

function jit_prompt_info
    set -l left (__jit_prompt_left); or return 0
    set -l text
    if test $left -le 0
        set text expired
    else if test $left -lt 60
        set text {$left}s
    else
        set text (math --scale=0 "$left / 60")m
    end
    # The role came from the environment: only its plain characters reach the terminal.
    set text (string replace -ar '[^a-zA-Z0-9_.-]' '?' -- "$JIT_ROLE")" $text"
    # Break-glass says so in every prompt, in red.
    test "$JIT_BREAKGLASS" = 1; and set text "BREAK-GLASS $text"
    if test $left -lt 300 -o "$JIT_BREAKGLASS" = 1; and test -z "$NO_COLOR"
        set text (set_color red)$text(set_color normal)
    end
    printf '%s' $text
end

function __jit_prompt_warn --on-event fish_prompt
    set -l left (__jit_prompt_left); or return 0
    set -l mark
    if test $left -gt 0 -a $left -le 120
        set mark 2
    else if test $left -gt 120 -a $left -le 600
        set mark 10
    else
        return 0
    end
    # Once per end: a session extended past a mark is warned again as it nears its new end.
    test "$__jit_prompt_warned" = "$JIT_SESSION:$JIT_EXPIRES_AT:$mark"; and return 0
    set -g __jit_prompt_warned "$JIT_SESSION:$JIT_EXPIRES_AT:$mark"
    set -l when (math --scale=0 "$left / 60")m
    test $left -lt 60; and set when {$left}s
    printf 'jit: %s left in this session (%s, %s); it ends at the TTL unless you run jit extend\n' $when (string replace -ar '[^a-zA-Z0-9_.-]' '?' -- "$JIT_ROLE") (string replace -ar '[^!-~]' '?' -- "$JIT_TICKET") >&2
end

# Puts the segment in front of the current fish_prompt, once.
function __jit_prompt_install
    functions -q __jit_user_fish_prompt; and return 0
    functions -q fish_prompt; and functions -c fish_prompt __jit_user_fish_prompt
    function fish_prompt
        set -l segment (jit_prompt_info)
        test -n "$segment"; and printf '(%s) ' $segment
        functions -q __jit_user_fish_prompt; and __jit_user_fish_prompt
    end
end

{#- Folding user text so that the same question typed differently counts once:
    full-width letters, digits and the ideographic space become half-width, letters
    become lower case, whitespace runs become one space. question_key goes further and
    drops punctuation, symbols and whitespace (full-width ones too: they are Unicode
    punctuation). Example: '如何部署 ｐｙｔｈｏｎ 代码？' and '如何部署Python代码' share
    the key '如何部署python代码'. Pass a column name or a simple expression. -#}

{%- macro _full_width_chars() -%}
{{ return('ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ０１２３４５６７８９　') }}
{%- endmacro -%}
{%- macro _half_width_chars() -%}
{{ return('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 ') }}
{%- endmacro -%}

{#- Full-width A-Z, a-z, 0-9 and U+3000 to their ASCII forms. -#}
{% macro half_width(expression) %}{{ return(adapter.dispatch('half_width', 'chatbot_analytics')(expression)) }}{% endmacro %}
{% macro default__half_width(expression) -%}
translate({{ expression }}, '{{ chatbot_analytics._full_width_chars() }}', '{{ chatbot_analytics._half_width_chars() }}')
{%- endmacro %}
{% macro spark__half_width(expression) -%}
translate({{ expression }}, '{{ chatbot_analytics._full_width_chars() }}', '{{ chatbot_analytics._half_width_chars() }}')
{%- endmacro %}
{#- MySQL and MariaDB have no translate(): one replace() per character. -#}
{% macro mysql__half_width(expression) -%}
{%- set full = chatbot_analytics._full_width_chars() -%}
{%- set half = chatbot_analytics._half_width_chars() -%}
{%- set ns = namespace(sql=expression) -%}
{%- for i in range(full | length) -%}
{%- set ns.sql = "replace(" ~ ns.sql ~ ", '" ~ full[i] ~ "', '" ~ half[i] ~ "')" -%}
{%- endfor -%}
{{ ns.sql }}
{%- endmacro %}
{% macro mariadb__half_width(expression) %}{{ chatbot_analytics.mysql__half_width(expression) }}{% endmacro %}

{#- Whitespace and punctuation / symbol character classes. Whitespace is spelled out as
    Unicode's White_Space set (what Python's str.split() and str.strip() remove, but the
    separators U+001C-U+001F): tab, LF, VT, FF, CR, NEL (U+0085) and \p{Z} (space,
    no-break space, U+2000-U+200A, U+2028/U+2029, U+3000 ...). Not \s: its meaning differs
    by engine (RE2 in DuckDB leaves VT out, PCRE in MariaDB takes VT and NEL, Java in
    Spark VT but not NEL), so one question typed with a VT (Word's line break) would
    fold to another key on each. The backslash is doubled where the engine's string
    literals treat it as an escape. -#}
{%- macro _whitespace_class() -%}
{{ return('\\t\\n\\x{0B}\\f\\r\\x{85}\\p{Z}') }}
{%- endmacro -%}

{#- A string literal of a regular expression: string_literal (macros/cross_db/text.sql),
    whose backslashes are doubled for the engines whose literals read them as escapes. -#}
{% macro regex_literal(pattern) %}{{ return(chatbot_analytics.string_literal(pattern)) }}{% endmacro %}

{% macro whitespace_pattern() -%}
{{ chatbot_analytics.regex_literal('[' ~ chatbot_analytics._whitespace_class() ~ ']+') }}
{%- endmacro %}

{% macro punctuation_or_space_pattern() -%}
{{ chatbot_analytics.regex_literal('[' ~ chatbot_analytics._whitespace_class() ~ '\\p{P}\\p{S}]+') }}
{%- endmacro %}

{#- A run of the given characters or of whitespace: a pattern to split a list typed by
    hand on (the characters go into a regex character class: escape ] [ \\ ^ -). -#}
{% macro separator_run_pattern(characters) -%}
{{ chatbot_analytics.regex_literal('[' ~ characters ~ chatbot_analytics._whitespace_class() ~ ']+') }}
{%- endmacro %}

{#- Text without leading and trailing whitespace (the White_Space set above), like
    Python's str.strip(). Not trim(): DuckDB's trim() also removes U+3000 and U+00A0
    (but not tabs or newlines), MySQL's and Spark's only the ASCII space. -#}
{% macro trim_whitespace(expression) -%}
{%- set ws = '[' ~ chatbot_analytics._whitespace_class() ~ ']+' -%}
{{ chatbot_analytics.regexp_replace_all(expression, chatbot_analytics.regex_literal('^' ~ ws ~ '|' ~ ws ~ '$'), "''") }}
{%- endmacro %}

{#- Readable folded text: half-width, lower case, single spaces, trimmed. -#}
{% macro question_fold(expression) -%}
trim({{ chatbot_analytics.regexp_replace_all('lower(' ~ chatbot_analytics.half_width(expression) ~ ')', chatbot_analytics.whitespace_pattern(), "' '") }})
{%- endmacro %}

{#- Grouping key: the folded text without punctuation, symbols or whitespace. -#}
{% macro question_key(expression) -%}
{{ chatbot_analytics.regexp_replace_all('lower(' ~ chatbot_analytics.half_width(expression) ~ ')', chatbot_analytics.punctuation_or_space_pattern(), "''") }}
{%- endmacro %}

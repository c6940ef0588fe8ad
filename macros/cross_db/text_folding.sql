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

{#- Whitespace (any Unicode space) and punctuation / symbol character classes. The
    backslash is doubled where the engine's string literals treat it as an escape. -#}
{% macro whitespace_pattern() %}{{ return(adapter.dispatch('whitespace_pattern', 'chatbot_analytics')()) }}{% endmacro %}
{% macro default__whitespace_pattern() %}'[\s\p{Z}]+'{% endmacro %}
{% macro mysql__whitespace_pattern() %}'[\\s\\p{Z}]+'{% endmacro %}
{% macro mariadb__whitespace_pattern() %}'[\\s\\p{Z}]+'{% endmacro %}
{% macro spark__whitespace_pattern() %}'[\\s\\p{Z}]+'{% endmacro %}

{% macro punctuation_or_space_pattern() %}{{ return(adapter.dispatch('punctuation_or_space_pattern', 'chatbot_analytics')()) }}{% endmacro %}
{% macro default__punctuation_or_space_pattern() %}'[\s\p{Z}\p{P}\p{S}]+'{% endmacro %}
{% macro mysql__punctuation_or_space_pattern() %}'[\\s\\p{Z}\\p{P}\\p{S}]+'{% endmacro %}
{% macro mariadb__punctuation_or_space_pattern() %}'[\\s\\p{Z}\\p{P}\\p{S}]+'{% endmacro %}
{% macro spark__punctuation_or_space_pattern() %}'[\\s\\p{Z}\\p{P}\\p{S}]+'{% endmacro %}

{#- Readable folded text: half-width, lower case, single spaces, trimmed. -#}
{% macro question_fold(expression) -%}
trim({{ chatbot_analytics.regexp_replace_all('lower(' ~ chatbot_analytics.half_width(expression) ~ ')', chatbot_analytics.whitespace_pattern(), "' '") }})
{%- endmacro %}

{#- Grouping key: the folded text without punctuation, symbols or whitespace. -#}
{% macro question_key(expression) -%}
{{ chatbot_analytics.regexp_replace_all('lower(' ~ chatbot_analytics.half_width(expression) ~ ')', chatbot_analytics.punctuation_or_space_pattern(), "''") }}
{%- endmacro %}

{#- Text helpers that differ by engine. -#}

{#- Number of characters (not bytes): Chinese text is measured in characters. -#}
{% macro char_length(expression) %}{{ return(adapter.dispatch('char_length', 'chatbot_analytics')(expression)) }}{% endmacro %}
{% macro default__char_length(expression) %}length({{ expression }}){% endmacro %}
{% macro mysql__char_length(expression) %}char_length({{ expression }}){% endmacro %}
{% macro mariadb__char_length(expression) %}char_length({{ expression }}){% endmacro %}
{% macro spark__char_length(expression) %}char_length({{ expression }}){% endmacro %}

{#- The n-th (1-based) part of text split by a one-character delimiter; '' past the end. -#}
{% macro split_part(text, delimiter, n) %}{{ return(adapter.dispatch('split_part', 'chatbot_analytics')(text, delimiter, n)) }}{% endmacro %}
{% macro default__split_part(text, delimiter, n) %}split_part({{ text }}, {{ delimiter }}, {{ n }}){% endmacro %}
{% macro mysql__split_part(text, delimiter, n) -%}
case when {{ n }} > (char_length({{ text }}) - char_length(replace({{ text }}, {{ delimiter }}, ''))) + 1 then ''
     else substring_index(substring_index({{ text }}, {{ delimiter }}, {{ n }}), {{ delimiter }}, -1) end
{%- endmacro %}
{% macro mariadb__split_part(text, delimiter, n) %}{{ chatbot_analytics.mysql__split_part(text, delimiter, n) }}{% endmacro %}
{% macro spark__split_part(text, delimiter, n) %}coalesce(split_part({{ text }}, {{ delimiter }}, {{ n }}), ''){% endmacro %}

{#- How many parts split_part can return for this text. -#}
{% macro count_parts(text, delimiter) -%}
({{ chatbot_analytics.char_length(text) }} - {{ chatbot_analytics.char_length('replace(' ~ text ~ ', ' ~ delimiter ~ ", '')") }} + 1)
{%- endmacro %}

{#- Sorted, de-duplicated list of a text column, joined by a separator. -#}
{% macro string_agg_distinct(expression, separator) %}{{ return(adapter.dispatch('string_agg_distinct', 'chatbot_analytics')(expression, separator)) }}{% endmacro %}
{% macro default__string_agg_distinct(expression, separator) %}string_agg(distinct {{ expression }}, {{ separator }} order by {{ expression }}){% endmacro %}
{% macro mysql__string_agg_distinct(expression, separator) %}group_concat(distinct {{ expression }} order by {{ expression }} separator {{ separator }}){% endmacro %}
{% macro mariadb__string_agg_distinct(expression, separator) %}{{ chatbot_analytics.mysql__string_agg_distinct(expression, separator) }}{% endmacro %}
{% macro spark__string_agg_distinct(expression, separator) %}array_join(array_sort(collect_set({{ expression }})), {{ separator }}){% endmacro %}

{#- Replace every match of a regular expression (POSIX-style classes only). -#}
{% macro regexp_replace_all(text, pattern, replacement) %}{{ return(adapter.dispatch('regexp_replace_all', 'chatbot_analytics')(text, pattern, replacement)) }}{% endmacro %}
{% macro default__regexp_replace_all(text, pattern, replacement) %}regexp_replace({{ text }}, {{ pattern }}, {{ replacement }}, 'g'){% endmacro %}
{% macro mysql__regexp_replace_all(text, pattern, replacement) %}regexp_replace({{ text }}, {{ pattern }}, {{ replacement }}){% endmacro %}
{% macro mariadb__regexp_replace_all(text, pattern, replacement) %}regexp_replace({{ text }}, {{ pattern }}, {{ replacement }}){% endmacro %}
{% macro spark__regexp_replace_all(text, pattern, replacement) %}regexp_replace({{ text }}, {{ pattern }}, {{ replacement }}){% endmacro %}

{#- Salted one-way key for a user id: marts never carry the raw id. The salt comes from
    the env var named by var user_key_salt_env_var (a documented demo default otherwise).
    NULL stays NULL on every engine (DuckDB's concat skips a NULL: it would hash the salt
    alone, one key shared by every row without an id). -#}
{% macro user_key(expression) -%}
case when ({{ expression }}) is null then null else {{ adapter.dispatch('user_key', 'chatbot_analytics')(expression) }} end
{%- endmacro %}
{% macro user_key_salt() -%}
{{ env_var(var('user_key_salt_env_var'), 'demo-salt-change-me') }}
{%- endmacro %}
{% macro default__user_key(expression) %}sha256(concat({{ chatbot_analytics.string_literal(chatbot_analytics.user_key_salt()) }}, {{ expression }})){% endmacro %}
{% macro mysql__user_key(expression) %}sha2(concat({{ chatbot_analytics.string_literal(chatbot_analytics.user_key_salt()) }}, {{ expression }}), 256){% endmacro %}
{% macro mariadb__user_key(expression) %}{{ chatbot_analytics.mysql__user_key(expression) }}{% endmacro %}
{% macro spark__user_key(expression) %}{{ chatbot_analytics.mysql__user_key(expression) }}{% endmacro %}

{#- A text as an SQL string literal that reads back as exactly that text: a quote
    doubled everywhere, and a backslash doubled where the engine's literals read it as
    an escape (MySQL/MariaDB without NO_BACKSLASH_ESCAPES, Spark): a salt 'ab\c' must
    hash alike on every engine, and one ending in a backslash must not end the literal. -#}
{% macro string_literal(text) %}{{ return(adapter.dispatch('string_literal', 'chatbot_analytics')(text)) }}{% endmacro %}
{% macro default__string_literal(text) %}'{{ text | replace("'", "''") }}'{% endmacro %}
{% macro mysql__string_literal(text) %}'{{ text | replace('\\', '\\\\') | replace("'", "''") }}'{% endmacro %}
{% macro mariadb__string_literal(text) %}{{ chatbot_analytics.mysql__string_literal(text) }}{% endmacro %}
{% macro spark__string_literal(text) %}{{ chatbot_analytics.mysql__string_literal(text) }}{% endmacro %}

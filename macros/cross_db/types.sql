{#- Column types by engine. dbt's own type_float() is a 4-byte REAL on DuckDB, so the
    project names its types itself. -#}

{% macro type_double() %}{{ return(adapter.dispatch('type_double', 'chatbot_analytics')()) }}{% endmacro %}
{% macro default__type_double() %}double{% endmacro %}
{% macro spark__type_double() %}double{% endmacro %}

{% macro type_text() %}{{ return(adapter.dispatch('type_text', 'chatbot_analytics')()) }}{% endmacro %}
{% macro default__type_text() %}varchar{% endmacro %}
{% macro mysql__type_text() %}char{% endmacro %}
{% macro mariadb__type_text() %}char{% endmacro %}
{% macro spark__type_text() %}string{% endmacro %}

{% macro type_bigint() %}{{ return(adapter.dispatch('type_bigint', 'chatbot_analytics')()) }}{% endmacro %}
{% macro default__type_bigint() %}bigint{% endmacro %}
{% macro mysql__type_bigint() %}signed{% endmacro %}
{% macro mariadb__type_bigint() %}signed{% endmacro %}

{#- cast_double: cast any numeric expression to a 8-byte float (MySQL's integer
    division yields DECIMAL, which must not leak into ratios). -#}
{% macro cast_double(expression) %}cast({{ expression }} as {{ chatbot_analytics.type_double() }}){% endmacro %}
{% macro cast_text(expression) %}cast({{ expression }} as {{ chatbot_analytics.type_text() }}){% endmacro %}
{#- cast_bigint: every sum of counts in a mart goes through it. Unwrapped, DuckDB sums
    integers to a 128-bit HUGEINT (its JDBC driver, so Metabase, reports that as an
    untyped object) and MySQL to DECIMAL; bigint is an integer column on every engine. -#}
{% macro cast_bigint(expression) %}cast({{ expression }} as {{ chatbot_analytics.type_bigint() }}){% endmacro %}

{#- A typed NULL, for UNION branches and placeholder columns. -#}
{% macro null_double() %}cast(null as {{ chatbot_analytics.type_double() }}){% endmacro %}
{% macro null_text() %}cast(null as {{ chatbot_analytics.type_text() }}){% endmacro %}

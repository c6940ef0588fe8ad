{#- MySQL / MariaDB adapter overrides (dbt-mysql 1.7, types `mysql` and `mariadb`).
    The root project's mysql__/mariadb__ versions take precedence over the adapter's. -#}

{#- dbt-mysql's `mysql` type wraps a view's query in parentheses, which MariaDB rejects
    when the query starts with WITH (every model here does). Without them the statement
    is valid on MySQL 8 and MariaDB alike (the `mariadb` type already writes it so). -#}
{% macro mysql__create_view_as(relation, sql) -%}
  {%- set sql_header = config.get('sql_header', none) -%}
  {{ sql_header if sql_header is not none }}
  create view {{ relation }}
  {% set contract_config = config.get('contract') %}
  {% if contract_config.enforced %}
    {{ get_assert_columns_equivalent(sql) }}
  {%- endif %}
  as
    {{ sql }}
{%- endmacro %}

{#- Databases (dbt schemas) are created utf8mb4 with binary collation: ids and tags are
    compared byte for byte, as on DuckDB and Spark ('Bot_A' is not 'bot_a'), and a seed's
    text columns can be joined with the raw tables (utf8mb4_bin too) without an
    "illegal mix of collations". -#}
{% macro mysql__create_schema(relation) -%}
  {%- call statement('create_schema') -%}
    create schema if not exists {{ relation.without_identifier() }} character set utf8mb4 collate utf8mb4_bin
  {%- endcall -%}
{% endmacro %}

{% macro mariadb__create_schema(relation) -%}
  {{ chatbot_analytics.mysql__create_schema(relation) }}
{%- endmacro %}

{#- Session settings every model runs with (a project-wide pre-hook, so it holds on any
    server, whatever its configuration): UTC for the few functions that read the session
    zone, and a group_concat limit far above the default 1 KB that would silently cut
    string_agg_distinct() lists, and sql_mode without NO_BACKSLASH_ESCAPES: string_literal
    doubles backslashes because MySQL reads them as escapes, and under that mode every
    regular expression (\\t, \\p{Z} ...) would match backslashes and letters instead.
    Empty on other engines (dbt skips an empty hook). -#}
{% macro session_settings() %}{{ return(adapter.dispatch('session_settings', 'chatbot_analytics')()) }}{% endmacro %}
{% macro default__session_settings() %}{% endmacro %}
{% macro mysql__session_settings() -%}
set session time_zone = '+00:00', session group_concat_max_len = 4194304,
    session sql_mode = {{ chatbot_analytics.mysql_sql_mode_without_backslash_escapes() }}
{%- endmacro %}
{% macro mysql_sql_mode_without_backslash_escapes() -%}
trim(both ',' from replace(concat(',', @@session.sql_mode, ','), ',NO_BACKSLASH_ESCAPES,', ','))
{%- endmacro %}
{% macro mariadb__session_settings() %}{{ chatbot_analytics.mysql__session_settings() }}{% endmacro %}

{#- Date and time helpers. Every timestamp in the warehouse is UTC without a zone. -#}

{#- ts plus a number of seconds (may be fractional hours * 3600). -#}
{% macro add_seconds(ts, seconds) %}{{ return(adapter.dispatch('add_seconds', 'chatbot_analytics')(ts, seconds)) }}{% endmacro %}
{% macro default__add_seconds(ts, seconds) %}({{ ts }} + to_seconds(cast({{ seconds }} as bigint))){% endmacro %}
{% macro mysql__add_seconds(ts, seconds) %}date_add({{ ts }}, interval {{ seconds }} second){% endmacro %}
{% macro mariadb__add_seconds(ts, seconds) %}date_add({{ ts }}, interval {{ seconds }} second){% endmacro %}
{% macro spark__add_seconds(ts, seconds) %}timestampadd(second, {{ seconds }}, {{ ts }}){% endmacro %}

{#- The reporting day of a UTC timestamp: shifted by var reporting_utc_offset_hours. -#}
{% macro report_date(ts) -%}
cast({{ chatbot_analytics.add_seconds(ts, (chatbot_analytics.number_var('reporting_utc_offset_hours') | float * 3600) | int) }} as date)
{%- endmacro %}

{#- The reporting-local timestamp (for hour-of-day and weekday analyses). -#}
{% macro local_time(ts) -%}
{{ chatbot_analytics.add_seconds(ts, (chatbot_analytics.number_var('reporting_utc_offset_hours') | float * 3600) | int) }}
{%- endmacro %}

{% macro add_days(date_expression, days) %}{{ return(adapter.dispatch('add_days', 'chatbot_analytics')(date_expression, days)) }}{% endmacro %}
{% macro default__add_days(date_expression, days) %}cast({{ date_expression }} + cast({{ days }} as integer) as date){% endmacro %}
{% macro mysql__add_days(date_expression, days) %}date_add({{ date_expression }}, interval {{ days }} day){% endmacro %}
{% macro mariadb__add_days(date_expression, days) %}date_add({{ date_expression }}, interval {{ days }} day){% endmacro %}
{% macro spark__add_days(date_expression, days) %}date_add({{ date_expression }}, {{ days }}){% endmacro %}

{#- Whole days from start_date to end_date (end - start). -#}
{% macro days_between(start_date, end_date) %}{{ return(adapter.dispatch('days_between', 'chatbot_analytics')(start_date, end_date)) }}{% endmacro %}
{% macro default__days_between(start_date, end_date) %}date_diff('day', {{ start_date }}, {{ end_date }}){% endmacro %}
{% macro mysql__days_between(start_date, end_date) %}datediff({{ end_date }}, {{ start_date }}){% endmacro %}
{% macro mariadb__days_between(start_date, end_date) %}datediff({{ end_date }}, {{ start_date }}){% endmacro %}
{% macro spark__days_between(start_date, end_date) %}datediff({{ end_date }}, {{ start_date }}){% endmacro %}

{#- Seconds (fractional) from start_ts to end_ts. -#}
{% macro seconds_between(start_ts, end_ts) %}{{ return(adapter.dispatch('seconds_between', 'chatbot_analytics')(start_ts, end_ts)) }}{% endmacro %}
{% macro default__seconds_between(start_ts, end_ts) %}(epoch({{ end_ts }}) - epoch({{ start_ts }})){% endmacro %}
{% macro mysql__seconds_between(start_ts, end_ts) %}(timestampdiff(microsecond, {{ start_ts }}, {{ end_ts }}) / 1000000.0e0){% endmacro %}
{% macro mariadb__seconds_between(start_ts, end_ts) %}(timestampdiff(microsecond, {{ start_ts }}, {{ end_ts }}) / 1000000.0e0){% endmacro %}
{% macro spark__seconds_between(start_ts, end_ts) %}((unix_micros({{ end_ts }}) - unix_micros({{ start_ts }})) / 1000000.0D){% endmacro %}

{#- ISO weekday: Monday = 1 ... Sunday = 7. -#}
{% macro iso_weekday(date_expression) %}{{ return(adapter.dispatch('iso_weekday', 'chatbot_analytics')(date_expression)) }}{% endmacro %}
{% macro default__iso_weekday(date_expression) %}isodow({{ date_expression }}){% endmacro %}
{% macro mysql__iso_weekday(date_expression) %}(weekday({{ date_expression }}) + 1){% endmacro %}
{% macro mariadb__iso_weekday(date_expression) %}(weekday({{ date_expression }}) + 1){% endmacro %}
{% macro spark__iso_weekday(date_expression) %}(((dayofweek({{ date_expression }}) + 5) % 7) + 1){% endmacro %}

{% macro hour_of_day(ts) %}extract(hour from {{ ts }}){% endmacro %}

{#- A date literal from a 'YYYY-MM-DD' string (vars are validated before they get here). -#}
{% macro date_literal(text) %}cast('{{ chatbot_analytics.validated_date(text) }}' as date){% endmacro %}

{#- Today's reporting date, for "the last 7 complete days" defaults: the current UTC time
    moved by the reporting offset. DuckDB: current_timestamp cast to timestamp would give
    the session's TimeZone (the host's zone), so it is read in UTC explicitly. -#}
{% macro current_report_date() %}{{ return(adapter.dispatch('current_report_date', 'chatbot_analytics')()) }}{% endmacro %}
{% macro default__current_report_date() %}{{ chatbot_analytics.report_date("timezone('UTC', current_timestamp)") }}{% endmacro %}
{% macro mysql__current_report_date() %}{{ chatbot_analytics.report_date('utc_timestamp()') }}{% endmacro %}
{% macro mariadb__current_report_date() %}{{ chatbot_analytics.report_date('utc_timestamp()') }}{% endmacro %}
{% macro spark__current_report_date() %}{{ chatbot_analytics.report_date('current_timestamp()') }}{% endmacro %}

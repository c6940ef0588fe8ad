{#- The first message of every session (by event_time, then event_id): the row a session
    is attributed to. `messages` is a CTE with session_id, event_id, event_time,
    report_date, user_id, bot_id and model_name. Returns session_id, report_date, user_id,
    bot_id, model_name and session_start (the first message's time).

    Same rows on every engine; how they are found differs for speed: DuckDB and Spark take
    the first row in one hash aggregate (arg_min / min_by on an (event_time, event_id)
    struct), MySQL and MariaDB rank the messages with row_number() (a sort). At 10 million
    events the aggregate is about three times cheaper than the window. -#}
{% macro session_first_messages(messages) %}
  {{ return(adapter.dispatch('session_first_messages', 'chatbot_analytics')(messages)) }}
{% endmacro %}

{% macro default__session_first_messages(messages) %}
    select
        session_id,
        first_row.report_date as report_date,
        first_row.user_id as user_id,
        first_row.bot_id as bot_id,
        first_row.model_name as model_name,
        first_row.event_time as session_start
    from (
        select
            session_id,
            arg_min(
                struct_pack(report_date, user_id, bot_id, model_name, event_time),
                struct_pack(event_time, event_id)
            ) as first_row
        from {{ messages }}
        group by session_id
    ) as firsts
{% endmacro %}

{% macro spark__session_first_messages(messages) %}
    select
        session_id,
        first_row.report_date as report_date,
        first_row.user_id as user_id,
        first_row.bot_id as bot_id,
        first_row.model_name as model_name,
        first_row.event_time as session_start
    from (
        select
            session_id,
            min_by(
                named_struct('report_date', report_date, 'user_id', user_id, 'bot_id', bot_id, 'model_name', model_name, 'event_time', event_time),
                named_struct('event_time', event_time, 'event_id', event_id)
            ) as first_row
        from {{ messages }}
        group by session_id
    ) as firsts
{% endmacro %}

{% macro mysql__session_first_messages(messages) %}
    select
        session_id,
        report_date,
        user_id,
        bot_id,
        model_name,
        event_time as session_start
    from (
        select
            session_id,
            report_date,
            user_id,
            bot_id,
            model_name,
            event_time,
            row_number() over (
                partition by session_id
                order by event_time, event_id
            ) as message_rank
        from {{ messages }}
    ) as ordered
    where message_rank = 1
{% endmacro %}

{% macro mariadb__session_first_messages(messages) %}
  {{ return(chatbot_analytics.mysql__session_first_messages(messages)) }}
{% endmacro %}

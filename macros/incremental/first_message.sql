{#- The first message of every session (by event_time, then event_id): the row a session
    is attributed to, and the session's model. `messages` is a CTE with session_id,
    event_id, event_time, report_date, user_id, bot_id, model_name and is_model_logged.
    Returns session_id, report_date, user_id, bot_id and session_start (the first
    message's), and model_name: the model of the first message that names one (is_model_logged
    = 1), else the first message's (the bot's default). Clients often log the model on the
    bot's replies only; the user message opening the chat would credit it to the default.

    Same rows on every engine; how they are found differs for speed: DuckDB and Spark take
    both in one hash aggregate (arg_min / min_by on (event_time, event_id) structs, the
    model's led by "names no model"), MySQL and MariaDB rank the messages with window
    functions (a sort each). At 10 million events the aggregate is about three times
    cheaper than the window. -#}
{% macro session_first_messages(messages) %}
  {{ return(adapter.dispatch('session_first_messages', 'chatbot_analytics')(messages)) }}
{% endmacro %}

{% macro default__session_first_messages(messages) %}
    select
        session_id,
        first_row.report_date as report_date,
        first_row.user_id as user_id,
        first_row.bot_id as bot_id,
        session_model as model_name,
        first_row.event_time as session_start
    from (
        select
            session_id,
            arg_min(
                struct_pack(report_date, user_id, bot_id, event_time),
                struct_pack(event_time, event_id)
            ) as first_row,
            arg_min(
                model_name,
                struct_pack(unnamed := 1 - is_model_logged, event_time := event_time, event_id := event_id)
            ) as session_model
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
        session_model as model_name,
        first_row.event_time as session_start
    from (
        select
            session_id,
            min_by(
                named_struct('report_date', report_date, 'user_id', user_id, 'bot_id', bot_id, 'event_time', event_time),
                named_struct('event_time', event_time, 'event_id', event_id)
            ) as first_row,
            min_by(
                model_name,
                named_struct('unnamed', 1 - is_model_logged, 'event_time', event_time, 'event_id', event_id)
            ) as session_model
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
            event_time,
            row_number() over (
                partition by session_id
                order by event_time, event_id
            ) as message_rank,
            first_value(model_name) over (
                partition by session_id
                order by is_model_logged desc, event_time, event_id
            ) as model_name
        from {{ messages }}
    ) as ordered
    where message_rank = 1
{% endmacro %}

{% macro mariadb__session_first_messages(messages) %}
  {{ return(chatbot_analytics.mysql__session_first_messages(messages)) }}
{% endmacro %}

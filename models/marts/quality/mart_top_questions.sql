-- One row per bot × normalised question among the bot's most asked: questions are
-- grouped after folding full-width to half-width, case, whitespace and punctuation
-- (macro question_key). Only questions asked by at least var top_questions_min_askers
-- different people are listed, and the wording shown is one that many people typed
-- (else the folded key itself), so no one person's text is shown; at most
-- var top_questions_limit per bot.
with session_users as (

    -- The user a session logged on any of its lines: a line of that session that
    -- logged no user is the same person, not another asker.
    select
        bot_id,
        session_id,
        max(user_key) as session_user_key
    from {{ ref('int_conversations__rated') }}
    where
        session_id is not null
        and user_key is not null
    group by
        bot_id,
        session_id

),

rated as (

    select
        rated.*,
        -- A person: the user when logged (on the line or elsewhere in its session),
        -- else the session (a log without user ids cannot tell one person's two
        -- sessions apart). Lines with neither (the article's monitor handler logs only
        -- response_time) are all one person: were each its own, one person retrying a
        -- question would count as two askers and their text be listed.
        coalesce(rated.user_key, session_users.session_user_key, rated.session_id, '(no user or session)') as asker
    from {{ ref('int_conversations__rated') }} as rated
    left join session_users
        on
            rated.bot_id = session_users.bot_id
            and rated.session_id = session_users.session_id
    where
        rated.question_key is not null
        and rated.question_key <> ''

),

shared_wordings as (

    -- The alphabetically first wording (folded text, punctuation kept) that itself was
    -- typed by enough people: the min over all variants could be one person's.
    select
        bot_id,
        question_key,
        min(question_text) as question_text
    from (
        select
            bot_id,
            question_key,
            question_text,
            count(distinct asker) as wording_askers
        from rated
        group by
            bot_id,
            question_key,
            question_text
    ) as wordings
    where wording_askers >= {{ number_var('top_questions_min_askers') }}
    group by
        bot_id,
        question_key
),

aggregated as (

    select
        bot_id,
        question_key,
        count(*) as asks,
        count(distinct asker) as askers,
        count(distinct question_text) as variants,
        min(report_date) as first_asked_date,
        max(report_date) as last_asked_date,
        {{ cast_bigint("sum(is_poor)") }} as poor_answers,
        {{ cast_bigint("sum(is_error)") }} as errors,
        avg({{ cast_double('response_time_s') }}) as response_time_mean_s
    from rated
    group by
        bot_id,
        question_key

),

ranked as (

    select
        aggregated.*,
        row_number() over (
            partition by bot_id
            order by asks desc, askers desc, question_key asc
        ) as question_rank
    from aggregated
    where askers >= {{ number_var('top_questions_min_askers') }}

)

select
    ranked.bot_id,
    ranked.question_rank,
    ranked.question_key,
    coalesce(shared_wordings.question_text, ranked.question_key) as question_text,
    ranked.asks,
    ranked.askers,
    ranked.variants,
    ranked.first_asked_date,
    ranked.last_asked_date,
    ranked.poor_answers,
    {{ safe_divide('ranked.poor_answers', 'ranked.asks') }} as poor_answer_rate,
    ranked.errors,
    ranked.response_time_mean_s
from ranked
left join shared_wordings
    on
        ranked.bot_id = shared_wordings.bot_id
        and ranked.question_key = shared_wordings.question_key
where ranked.question_rank <= {{ number_var('top_questions_limit') }}

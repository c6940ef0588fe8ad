-- The normal-CDF and p-value macros against scipy.stats.norm (reference values computed
-- with scipy 1.17 and pasted here). Runs on every engine and on dbt 1.7, which has no unit
-- tests. Returns the rows that differ by more than 1e-9 (relative) — none when correct.
-- Relative only, in the tails too: an absolute allowance (it was 1e-15) passes any value
-- below it, so the tail branch of the macro (|x| >= 5, p < 6e-7 and far smaller) went
-- unchecked: a p-value of 1.2e-15 could be off by 9e-9 of itself, or by 80 %.
-- A NULL is a difference too, unless NULL is what the row expects (a NULL x): without
-- that, a macro returning NULL would make `abs(NULL - x) > tol` NULL and pass unseen.
with reference as (
    select -6.0 as x, 9.865876450376946e-10 as expected_cdf, 1.973175290075389e-09 as expected_p
    union all
    select -30.0 as x, 4.906713927147908e-198 as expected_cdf, 9.813427854295816e-198 as expected_p
    union all
    select -10.0 as x, 7.61985302416047e-24 as expected_cdf, 1.523970604832094e-23 as expected_p
    union all
    select -5.0 as x, 2.866515718791933e-07 as expected_cdf, 5.733031437583866e-07 as expected_p
    union all
    select -2.5 as x, 0.006209665325776132 as expected_cdf, 0.012419330651552265 as expected_p
    union all
    select -1.959963984540054 as x, 0.025 as expected_cdf, 0.05 as expected_p
    union all
    select -0.5 as x, 0.3085375387259869 as expected_cdf, 0.6170750774519738 as expected_p
    union all
    select 0.0 as x, 0.5 as expected_cdf, 1.0 as expected_p
    union all
    select 0.75 as x, 0.7733726476231317 as expected_cdf, 0.4532547047537364 as expected_p
    union all
    select 1.644853626951472 as x, 0.95 as expected_cdf, 0.1000000000000001 as expected_p
    union all
    select 3.2 as x, 0.9993128620620841 as expected_cdf, 0.0013742758758316942 as expected_p
    union all
    select 5.5 as x, 0.9999999810104375 as expected_cdf, 3.797912493177536e-08 as expected_p
    union all
    select 8.0 as x, 0.9999999999999993 as expected_cdf, 1.244192114854348e-15 as expected_p
    union all
    select 12.0 as x, 1.0 as expected_cdf, 3.552964224155306e-33 as expected_p
    union all
    select null as x, null as expected_cdf, null as expected_p
),

computed as (
    select
        x,
        expected_cdf,
        expected_p,
        {{ normal_cdf('x') }} as actual_cdf,
        {{ two_sided_p_value('x') }} as actual_p
    from reference
)

select *
from computed
where
    (actual_cdf is null and expected_cdf is not null)
    or (actual_cdf is not null and expected_cdf is null)
    or abs(actual_cdf - expected_cdf) > 1e-9 * abs(expected_cdf)
    or (actual_p is null and expected_p is not null)
    or (actual_p is not null and expected_p is null)
    or abs(actual_p - expected_p) > 1e-9 * abs(expected_p)

-- Wilson bounds and the pooled two-proportion z-test against reference values
-- (Wilson by formula; the z-test p-value equals scipy's 2x2 chi-square test without
-- continuity correction; Wilson bounds equal scipy's binomtest(...).proportion_ci(method=
-- 'wilson')). Returns the rows that differ by more than 1e-9. n of n and n = 1 pin the
-- upper bound at exactly 1 (the clamp) and a negative z (model B worse). The last two
-- rows expect NULLs where the macros define none (an empty arm; both arms at 0 %), and a
-- NULL anywhere else is a difference: `abs(NULL - x) > tol` alone would let it pass.
-- The references are 95 % bounds: z is given, so an analyst's confidence_z stays theirs.
{%- set z95 = 1.959963984540054 %}
with reference as (
    select 45 as x_a, 100 as n_a, 60 as x_b, 100 as n_b, 0.3561453797951198 as expected_lower, 0.5475539700255787 as expected_upper, 2.1239769762143657 as expected_z, 0.033672068856345896 as expected_p
    union all
    select 0 as x_a, 20 as n_a, 3 as x_b, 25 as n_b, 0 as expected_lower, 0.16112515805281938 as expected_upper, 1.6035674514745462 as expected_z, 0.10880943004054607 as expected_p
    union all
    select 120 as x_a, 1000 as n_a, 150 as x_b, 1000 as n_b, 0.10129926060130913 as expected_lower, 0.14160907584771276 as expected_upper, 1.963049807622355 as expected_z, 0.049640386865368834 as expected_p
    union all
    select 18 as x_a, 30 as n_a, 29 as x_b, 31 as n_b, 0.42320360253322475 as expected_lower, 0.7540937188319815 as expected_upper, 3.1150504911962864 as expected_z, 0.001839134256398279 as expected_p
    union all
    select 5 as x_a, 5 as n_a, 2 as x_b, 5 as n_b, 0.5655175352168251 as expected_lower, 1.0 as expected_upper, -2.070196678027062 as expected_z, 0.03843393023678176 as expected_p
    union all
    select 1 as x_a, 1 as n_a, 0 as x_b, 1 as n_b, 0.20654931437723745 as expected_lower, 1.0 as expected_upper, -1.414213562373095 as expected_z, 0.15729920705028105 as expected_p
    union all
    select 0 as x_a, 10 as n_a, 0 as x_b, 10 as n_b, 0 as expected_lower, 0.2775327998628892 as expected_upper, null as expected_z, null as expected_p
    union all
    select 0 as x_a, 0 as n_a, 4 as x_b, 10 as n_b, null as expected_lower, null as expected_upper, null as expected_z, null as expected_p
),

computed as (
    select
        reference.*,
        {{ wilson_lower('x_a', 'n_a', z=z95) }} as actual_lower,
        {{ wilson_upper('x_a', 'n_a', z=z95) }} as actual_upper,
        {{ two_proportion_z('x_a', 'n_a', 'x_b', 'n_b') }} as actual_z
    from reference
),

with_p as (
    select
        computed.*,
        {{ two_sided_p_value('actual_z') }} as actual_p
    from computed
)

select *
from with_p
where
    (actual_lower is null and expected_lower is not null)
    or (actual_lower is not null and expected_lower is null)
    or abs(actual_lower - expected_lower) > 1e-9
    or (actual_upper is null and expected_upper is not null)
    or (actual_upper is not null and expected_upper is null)
    or abs(actual_upper - expected_upper) > 1e-9
    or (actual_z is null and expected_z is not null)
    or (actual_z is not null and expected_z is null)
    or abs(actual_z - expected_z) > 1e-9 * abs(expected_z)
    or (actual_p is null and expected_p is not null)
    or (actual_p is not null and expected_p is null)
    or abs(actual_p - expected_p) > 1e-9 * expected_p

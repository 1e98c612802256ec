"""The alignment marts of the landing set of tests/test_marts.py, worked out by hand.

Reporting time zone Europe/Moscow (UTC+3), as of 2026-03-10. The leads, events, deals and
payments are those described in tests/test_marts.py; what these marts add:

SLA (targets: enterprise 4 h, middle 8 h, small 24 h; first activity by a sales user on the
lead or its deal, at or after the handover):
  L2 small, handed over Jan 20 10:00Z, no activity at all by the end of Mar 10 → January,
     an unanswered breach.
  L4 enterprise, handed over Feb 6 10:00Z: U2's e-mail at 09:00Z came before the handover
     and U1 is a marketer; U2's call at 13:00Z answers it after 3 h ≤ 4 → within.
  L3 middle, implicit handover at deal D3's creation Feb 3 12:00Z; U2's meeting on D3 on
     Feb 4 12:00Z answers after 24 h > 8 → breach.
  L1 enterprise, handed over Feb 28 21:30Z (March in Moscow); U2's call Mar 1 08:00Z after
     10.5 h > 4 → breach.
Recycling: L2 (small, email) handed over in January, rejected with " Budget " → `budget`,
  handed over again on Feb 10 (re-handed over), no deal (not won later). January's email
  SQLs: L2 alone → rejection rate 1, budget's share 1.
Managers: every verdict is U2's (Sam) and U2 owns every deal.
  January: L2 received, rejected.
  February: L4 (accepted by U2) and L3 (no verdict, first deal D3 is U2's) received, 1
    accepted; won D9 (Feb 15, created Feb 1 12:00Z → 13.9167 days) and D3 (Feb 20, created
    Feb 3 12:00Z → 16.9167 days), lost D4 (price): win rate 2 ÷ 3 = 0.6667, average cycle
    15.4167 → 15.42; revenue P3 500 (D3) + P5 250 (D9) = 750.00.
  March: L1 received and accepted; D1 won Mar 5 after 3 days: win rate 1; revenue P1 660 +
    P2 440 on D1 − P4's refund of 100 on D3 = 1,000.00.
Cohorts (L5 is after as_of):
  January: L2 (handed over Jan), L3 (handed over Feb, D3 won Feb 20, P3 paid Feb 21 MSK).
    Month 0: 1 of 2 handed over. Month 1 and 2: 2 of 2 handed over, 1 won, 1 paid.
  February: L1 (handed over Mar 1 MSK, D1 won Mar 5, P1 paid Mar 6), L4 (handed over Feb,
    its deal lost), L6 (its sql event is after as_of). Month 0: 1 of 3 handed over; month 1:
    2 of 3 handed over, 1 won, 1 paid.
Funnel, February, enterprise, paid_search:
  L1: created Jan 31 22:00Z (Feb 1 MSK); mql event 30 minutes later (0.0208 days);
      handover Feb 28 21:30Z (March MSK), 27.9583 days after the MQL; accepted Mar 2
      10:00Z (1.5208 days); D1 won Mar 5 10:00Z (3 days after acceptance).
  L4: created Feb 5 07:00Z; no mql event, so an MQL at its handover Feb 6 10:00Z (1.125
      days, then 0 days to SQL); accepted Feb 7 10:00Z (1 day); its deal lost.
  period: leads 2, MQLs 2 (both in February), SQL 1 (L4), accepted 1, won 0 → rates 1, 0.5,
      1, 0, 0; median days lead→MQL (0.0208 + 1.125) ÷ 2 = 0.57, MQL→SQL 0, SQL→accepted 1.
  cohort: both leads' whole way → 2, 2, 2, 2, 1 → rates 1, 1, 1, 0.5, 0.5; medians 0.57,
      (27.9583 + 0) ÷ 2 = 13.98, (1.5208 + 1) ÷ 2 = 1.26, 3.
Segment economics, February, enterprise: paid_search spent 50 and its February leads (L1,
  L4) are both enterprise → acquisition cost 50.00; 1 SQL → cost per SQL 50.00.
Coverage on as_of: the activity with the timestamp "yesterday" is the one quarantined row.
"""

from datetime import date
from decimal import Decimal as D

from tests.conftest import query

JAN, FEB, MAR = date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)


def rows(warehouse, table: str, columns: str, order: str, where: str = "true") -> list[tuple]:
    return query(warehouse, f"select {columns} from marts.{table} where {where} order by {order}")


def test_sla_handover_monthly(marts_warehouse):
    n = None
    assert rows(
        marts_warehouse,
        "sla_handover_monthly",
        "month, segment, handover_count, responded_count, median_response_hours,"
        " p90_response_hours, response_target_hours, within_sla_count, breach_count,"
        " unanswered_breach_count, pending_count, within_sla_share",
        "month, segment",
    ) == [
        (JAN, "small", 1, 0, n, n, D("24.00"), 0, 1, 1, 0, D("0.0000")),
        (FEB, "enterprise", 1, 1, D("3.00"), D("3.00"), D("4.00"), 1, 0, 0, 0, D("1.0000")),
        (FEB, "middle", 1, 1, D("24.00"), D("24.00"), D("8.00"), 0, 1, 0, 0, D("0.0000")),
        (MAR, "enterprise", 1, 1, D("10.50"), D("10.50"), D("4.00"), 0, 1, 0, 0, D("0.0000")),
    ]


def test_sla_sql_minimum_monthly_shows_february_paid_search_short_of_its_minimum(
    marts_warehouse,
):
    assert rows(
        marts_warehouse,
        "sla_sql_minimum_monthly",
        "month, channel, sql_count, min_sql_per_month, gap_to_minimum, is_minimum_met",
        "month",
        "channel = 'paid_search'",
    ) == [
        (JAN, "paid_search", 0, 10, 10, False),
        (FEB, "paid_search", 1, 10, 9, False),
        (MAR, "paid_search", 1, 10, 9, False),
    ]


def test_lead_recycling_monthly(marts_warehouse):
    assert rows(
        marts_warehouse,
        "lead_recycling_monthly",
        "month, channel, rejection_reason, rejected_count, rehanded_over_count,"
        " won_later_count, channel_sql_count, channel_rejected_count, channel_rejection_rate,"
        " share_of_channel_rejections",
        "month, channel, rejection_reason",
    ) == [(JAN, "email", "budget", 1, 1, 0, 1, 1, D("1.0000"), D("1.0000"))]


def test_lead_recycling_by_marketer_monthly(marts_warehouse):
    assert rows(
        marts_warehouse,
        "lead_recycling_by_marketer_monthly",
        "month, marketer_id, sql_count, rejected_count, rehanded_over_count, won_later_count,"
        " rejection_rate",
        "month",
    ) == [
        (JAN, "unassigned", 1, 1, 1, 0, D("1.0000")),
        (FEB, "unassigned", 2, 0, 0, 0, D("0.0000")),
        (MAR, "unassigned", 1, 0, 0, 0, D("0.0000")),
    ]


def test_sales_manager_performance_monthly(marts_warehouse):
    n = None
    assert rows(
        marts_warehouse,
        "sales_manager_performance_monthly",
        "month, manager_id, manager_name, sqls_received, accepted_count, won_count,"
        " lost_count, win_rate, avg_deal_cycle_days, revenue_collected, top_lost_reasons",
        "month, manager_id",
    ) == [
        (JAN, "U2", "Sam", 1, 0, 0, 0, n, n, D("0.00"), n),
        (FEB, "U2", "Sam", 2, 1, 2, 1, D("0.6667"), D("15.42"), D("750.00"), "price"),
        (MAR, "U2", "Sam", 1, 1, 1, 0, D("1.0000"), D("3.00"), D("1000.00"), n),
    ]


def test_cohort_maturity(marts_warehouse):
    assert rows(
        marts_warehouse,
        "cohort_maturity",
        "cohort_month, months_since_creation, month, leads_count, handed_over_count,"
        " won_count, paid_count, handed_over_share, won_share, paid_share",
        "cohort_month, months_since_creation",
    ) == [
        (JAN, 0, JAN, 2, 1, 0, 0, D("0.5000"), D("0.0000"), D("0.0000")),
        (JAN, 1, FEB, 2, 2, 1, 1, D("1.0000"), D("0.5000"), D("0.5000")),
        (JAN, 2, MAR, 2, 2, 1, 1, D("1.0000"), D("0.5000"), D("0.5000")),
        (FEB, 0, FEB, 3, 1, 0, 0, D("0.3333"), D("0.0000"), D("0.0000")),
        (FEB, 1, MAR, 3, 2, 1, 1, D("0.6667"), D("0.3333"), D("0.3333")),
    ]


def test_funnel_conversion_monthly(marts_warehouse):
    n = None
    assert rows(
        marts_warehouse,
        "funnel_conversion_monthly",
        "basis, leads_count, mql_count, sql_count, accepted_count, won_count,"
        " lead_to_mql_rate, mql_to_sql_rate, sql_to_accepted_rate, accepted_to_won_rate,"
        " lead_to_won_rate, median_days_lead_to_mql, median_days_mql_to_sql,"
        " median_days_sql_to_accepted, median_days_accepted_to_won",
        "basis",
        f"month = '{FEB}' and segment = 'enterprise' and channel = 'paid_search'",
    ) == [
        (
            "cohort",
            2,
            2,
            2,
            2,
            1,
            D("1.0000"),
            D("1.0000"),
            D("1.0000"),
            D("0.5000"),
            D("0.5000"),
            D("0.57"),
            D("13.98"),
            D("1.26"),
            D("3.00"),
        ),
        (
            "period",
            2,
            2,
            1,
            1,
            0,
            D("1.0000"),
            D("0.5000"),
            D("1.0000"),
            D("0.0000"),
            D("0.0000"),
            D("0.57"),
            D("0.00"),
            D("1.00"),
            n,
        ),
    ]


def test_funnel_period_sqls_match_sql_by_handover(marts_warehouse):
    assert query(
        marts_warehouse,
        "select month, segment, channel, sql_count from marts.funnel_conversion_monthly"
        " where basis = 'period' and sql_count > 0 order by all",
    ) == query(
        marts_warehouse,
        "select month, segment, channel, sql_count from marts.sql_by_handover_monthly order by all",
    )


def test_segment_economics_monthly_splits_february_paid_search_spend(marts_warehouse):
    assert rows(
        marts_warehouse,
        "segment_economics_monthly",
        "leads_created, sql_count, won_deals, revenue, acquisition_cost, cost_per_sql, cac",
        "month",
        f"month = '{FEB}' and segment = 'enterprise'",
    ) == [(2, 1, 0, D("0.00"), D("50.00"), D("50.00"), None)]


def test_segment_costs_add_up_to_channel_spend(marts_warehouse):
    assert query(
        marts_warehouse,
        "select month, sum(acquisition_cost) from marts.segment_economics_monthly"
        " group by month order by month",
    ) == query(
        marts_warehouse,
        "select month, sum(spend) from marts.channel_economics_monthly"
        " group by month order by month",
    )


def test_data_coverage_daily_puts_the_quarantine_on_as_of(marts_warehouse):
    assert rows(
        marts_warehouse,
        "data_coverage_daily",
        "date_day, quarantined_crm_activities, quarantined_crm_leads, quarantined_rows",
        "date_day",
        "quarantined_rows is not null",
    ) == [(date(2026, 3, 10), 1, 0, 1)]
    assert rows(
        marts_warehouse,
        "data_coverage_daily",
        "date_day, payments_count, traced_payment_share",
        "date_day",
        "date_day in ('2026-02-16', '2026-02-21')",
    ) == [(date(2026, 2, 16), 1, D("0.0000")), (date(2026, 2, 21), 1, D("1.0000"))]

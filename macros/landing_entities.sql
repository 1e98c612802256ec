{#- The landing entities of SPEC §1 as ingestion names them (path under the landing
    directory, no extension); data_coverage_daily has a quarantine column for each. -#}
{% macro landing_entities() -%}
    {{ return([
        'crm/leads', 'crm/lead_events', 'crm/deals', 'crm/activities', 'crm/users',
        'ads/google_ads', 'ads/meta_ads', 'ads/yandex_direct',
        'payments/payments',
        'finance/fx_rates', 'finance/plans', 'finance/marketing_costs',
    ]) }}
{%- endmacro %}

"""The mediation center's domain: filings, mediation cases, repayment plans and agreements."""

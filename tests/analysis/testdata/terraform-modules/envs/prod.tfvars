payments_namespace = "payments-prod"

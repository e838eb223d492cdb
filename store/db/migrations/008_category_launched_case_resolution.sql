-- R33: how a ticket of the category resolves when the case it launched resolves (absent:
-- customer_communication).

ALTER TABLE categories ADD COLUMN launched_case_resolution text;

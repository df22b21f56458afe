"""Facts from the OVHcloud API (``diagnostica ovh``): the account's diagnosis and objects, with evidence."""

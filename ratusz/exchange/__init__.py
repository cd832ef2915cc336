"""Document exchange with other bodies: e-Doręczenia in and out, the ePUAP inbox, A2A
between the platform's units and gminy."""

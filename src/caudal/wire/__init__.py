"""The JSON shapes that cross HTTP between the server, the client, agents and runners.

Imports nothing else from caudal, so the server and the client share one description of the
API without either importing the other.
"""

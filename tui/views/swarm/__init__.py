"""The Swarm tab: nodes, services, tasks, their actions and the orchestration lesson."""
